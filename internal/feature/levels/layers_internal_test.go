package levels

import (
	"testing"
	"time"
)

// TestLayerStatus: each layer's status on a fixed day, at the edges of
// the 30-day contract warning and of the inspection's due date.
func TestLayerStatus(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	yes, no := true, false
	contract := func(end string) LayerDetails {
		return LayerDetails{Provider: "A", ContractEnd: end, Connection: "syslog"}
	}
	inspection := func(next string) LayerDetails {
		return LayerDetails{Organisation: "B", LastDate: "2025-12-01", NextDue: next}
	}
	cases := []struct {
		layer int
		d     LayerDetails
		want  string
	}{
		{1, LayerDetails{}, LayerIncomplete},
		{1, LayerDetails{People: []Person{{Name: "An"}}}, LayerIncomplete},
		{1, LayerDetails{People: []Person{{Name: "An", Email: "an@x.gov.vn"}}}, LayerInPlace},
		{2, LayerDetails{Provider: "A"}, LayerIncomplete},
		{2, contract("2026-11-30"), LayerExpired},
		{2, contract("2026-12-01"), LayerExpiring},
		{2, contract("2026-12-31"), LayerExpiring},
		{2, contract("2027-01-01"), LayerInPlace},
		{3, LayerDetails{Organisation: "B"}, LayerIncomplete},
		{3, inspection("2026-11-30"), LayerOverdue},
		{3, inspection("2026-12-01"), LayerInPlace},
		{4, LayerDetails{}, LayerIncomplete},
		{4, LayerDetails{Connected: &no}, LayerDisconnected},
		{4, LayerDetails{Connected: &yes}, LayerInPlace},
	}
	for i, c := range cases {
		if got := status(c.layer, c.d, now); got != c.want {
			t.Errorf("case %d (layer %d): %s, want %s", i, c.layer, got, c.want)
		}
	}
}
