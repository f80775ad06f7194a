package e2e

import (
	"io"
	"net/http"
	"time"
)

var httpClient = &http.Client{Timeout: 2 * time.Minute}

func newRequest(method, url, token, ctype string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, nil
}
