package notify_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/notify"
)

// TestWebhookBodyShape: a webhook receives {"event": E, E: payload}, the
// same bytes the alert webhooks always sent.
func TestWebhookBodyShape(t *testing.T) {
	type alert struct {
		ID      int64     `json:"id"`
		Kind    string    `json:"kind"`
		Message string    `json:"message"`
		At      time.Time `json:"created_at"`
	}
	a := alert{ID: 7, Kind: "down", Message: "Trang <b>không</b> truy cập được & \"lỗi\"", At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
	want, _ := json.Marshal(struct {
		Event string `json:"event"`
		Alert alert  `json:"alert"`
	}{"alert", a})
	got, err := notify.WebhookBody(notify.Notice{Event: "alert", Payload: a})
	if err != nil || string(got) != string(want) {
		t.Fatalf("body\n got %s\nwant %s (%v)", got, want, err)
	}
	if _, err := notify.WebhookBody(notify.Notice{Event: "x", Payload: func() {}}); err == nil {
		t.Error("an unencodable payload was accepted")
	}
}

func TestSign(t *testing.T) {
	body := []byte(`{"event":"alert"}`)
	s := notify.Sign("bí mật", body)
	if len(s) != len("sha256=")+64 || s[:7] != "sha256=" {
		t.Fatalf("signature %q", s)
	}
	if s == notify.Sign("khác", body) || s == notify.Sign("bí mật", []byte(`{"event":"alerts"}`)) || s != notify.Sign("bí mật", body) {
		t.Error("signature does not depend on exactly the secret and the body")
	}
}
