package web_test

import (
	"encoding/json"
	"testing"
)

func idOf(t *testing.T, body []byte) int64 {
	t.Helper()
	var v struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.ID == 0 {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	return v.ID
}
