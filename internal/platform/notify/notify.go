// Package notify tells people what the platform saw: notification
// targets (e-mail addresses and webhooks) kept in the database, e-mail
// through an SMTP relay, webhooks signed with HMAC-SHA256, and maintenance
// windows that mute what is raised inside them. Monitoring uses it today;
// detection alerts, incidents and vulnerabilities next.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// SMTPConfig is the mail relay alerts go through.
type SMTPConfig struct {
	Addr     string // host:port ("" disables e-mail)
	From     string
	Username string // optional; PLAIN auth (over TLS or to localhost only)
	Password string
}

// Service sends notices to the notification targets kept in the
// database: e-mail through the SMTP relay, and webhooks as JSON POSTs
// signed with HMAC-SHA256 (header X-Khien-Signature: sha256=<hex>). It
// also keeps the maintenance windows.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	smtp   SMTPConfig
	guard  webhookGuard
	client *http.Client
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Config is how notices leave the platform.
type Config struct {
	SMTP SMTPConfig
	// Allow admits intranet webhook receivers at private addresses
	// (option notify.allow); never loopback, link-local or metadata.
	Allow AllowList
	// AllowLoopback lets webhooks reach loopback addresses: for tests with
	// a local receiver only, no option sets it.
	AllowLoopback bool
}

// New builds the service.
func New(db *store.DB, log *audit.Log, cfg Config) *Service {
	g := webhookGuard{allow: cfg.Allow, allowLoopback: cfg.AllowLoopback}
	return &Service{db: db, audit: log, smtp: cfg.SMTP, guard: g, client: g.client(),
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}}
}

// Target is where notices go.
type Target struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // email, webhook
	Address   string    `json:"address"`
	HasSecret bool      `json:"has_secret"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	secret    string
}

// TargetInput adds a target. Secret signs webhook bodies; it is kept
// (it must be, to sign) but never shown again.
type TargetInput struct {
	Kind    string `json:"kind"`
	Address string `json:"address"`
	Secret  string `json:"secret"`
}

// Targets lists the targets (admins only).
func (d *Service) Targets(ctx context.Context, actor access.Actor) ([]Target, error) {
	if !actor.CanManageNotifications() {
		return nil, fmt.Errorf("notify: notification targets: %w", store.ErrForbidden)
	}
	return d.targets(ctx, false)
}

func (d *Service) targets(ctx context.Context, enabledOnly bool) ([]Target, error) {
	q := `SELECT id, kind, address, secret, enabled, created_at FROM notify_targets`
	if enabledOnly {
		q += ` WHERE enabled = 1`
	}
	rows, err := d.db.Q(ctx).QueryContext(ctx, q+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("notify: targets: %w", err)
	}
	defer rows.Close()
	out := []Target{}
	for rows.Next() {
		var t Target
		var enabled int
		var created string
		if err := rows.Scan(&t.ID, &t.Kind, &t.Address, &t.secret, &enabled, &created); err != nil {
			return nil, err
		}
		t.Enabled, t.HasSecret, t.CreatedAt = enabled == 1, t.secret != "", store.ParseTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// AddTarget adds an e-mail address or webhook URL (admins only).
func (d *Service) AddTarget(ctx context.Context, actor access.Actor, in TargetInput) (Target, error) {
	if !actor.CanManageNotifications() {
		return Target{}, fmt.Errorf("notify: notification targets: %w", store.ErrForbidden)
	}
	var e valid.Errors
	e.OneOf("kind", in.Kind, true, "email", "webhook")
	switch in.Kind {
	case "email":
		e.Email("address", in.Address, true)
	case "webhook":
		in.Address = e.URL("address", in.Address)
	}
	e.Text("secret", in.Secret, false, 200, false)
	if in.Kind == "webhook" && len(e) == 0 {
		d.checkWebhook(ctx, &e, in.Address)
	}
	if err := e.Err(); err != nil {
		return Target{}, err
	}
	var out Target
	err := d.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO notify_targets (kind, address, secret, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.Kind, in.Address, in.Secret, store.Now()).Scan(&id); err != nil {
			return fmt.Errorf("notify: add target: %w", err)
		}
		out = Target{ID: id, Kind: in.Kind, Address: in.Address, HasSecret: in.Secret != "", Enabled: true, CreatedAt: time.Now().UTC()}
		return d.audit.Record(ctx, actor, "notify_target.add", "notify_target", id, nil, out)
	})
	return out, err
}

// checkWebhook refuses a webhook URL whose host is, or resolves to, an
// address webhooks may not reach.
func (d *Service) checkWebhook(ctx context.Context, e *valid.Errors, address string) {
	u, err := url.Parse(address)
	if err != nil {
		return // valid.URL said so already
	}
	err = d.guard.checkHost(ctx, d.lookup, u.Hostname())
	var r *refusedAddress
	switch {
	case errors.As(err, &r):
		e.Add("address", fmt.Sprintf("%q leads to %s, which %s", address, r.Addr, r.EN),
			fmt.Sprintf("%q dẫn tới %s, %s", address, r.Addr, r.VI))
	case err != nil:
		e.Add("address", fmt.Sprintf("%q leads to an address webhooks may not reach", address),
			fmt.Sprintf("%q dẫn tới địa chỉ mà webhook không được phép gửi tới", address))
	}
}

// DeleteTarget removes a target (admins only).
func (d *Service) DeleteTarget(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanManageNotifications() {
		return fmt.Errorf("notify: notification targets: %w", store.ErrForbidden)
	}
	return d.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM notify_targets WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("notify: target %d: %w", id, store.ErrNotFound)
		}
		return d.audit.Record(ctx, actor, "notify_target.delete", "notify_target", id, nil, nil)
	})
}

// Notice is one thing to tell people, in both languages. Event names it
// ("alert") and Payload is what webhooks receive under that name.
type Notice struct {
	Event    string
	Subject  string
	Text     string // Vietnamese
	TextEN   string
	Severity string
	At       time.Time
	Payload  any
}

// Send sends n to every enabled target; it returns the failures joined.
func (d *Service) Send(ctx context.Context, n Notice) error {
	targets, err := d.targets(ctx, true)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range targets {
		switch t.Kind {
		case "email":
			if err := d.mail(t.Address, n); err != nil {
				errs = append(errs, fmt.Errorf("e-mail to %s: %w", t.Address, err))
			}
		case "webhook":
			if err := d.post(ctx, t, n); err != nil {
				errs = append(errs, fmt.Errorf("webhook %s: %w", t.Address, err))
			}
		}
	}
	return errors.Join(errs...)
}

// WebhookBody is what a webhook receives: {"event": n.Event, <n.Event>: n.Payload}.
func WebhookBody(n Notice) ([]byte, error) {
	event, err := json.Marshal(n.Event)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(n.Payload)
	if err != nil {
		return nil, err
	}
	body := append([]byte(`{"event":`), event...)
	body = append(append(append(body, ','), event...), ':')
	return append(append(body, payload...), '}'), nil
}

// Sign is the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (d *Service) post(ctx context.Context, t Target, n Notice) error {
	body, err := WebhookBody(n)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Address, bytes.NewReader(body))
	if err != nil {
		slog.Warn("webhook delivery failed", "target", t.ID, "url", t.Address, "err", err)
		return errors.New("delivery failed (bad address)")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Khien-Alerts/1")
	if t.secret != "" {
		req.Header.Set("X-Khien-Signature", Sign(t.secret, body))
	}
	resp, err := d.client.Do(req)
	if err != nil {
		slog.Warn("webhook delivery failed", "target", t.ID, "url", t.Address, "err", err)
		return deliveryError(0, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		slog.Warn("webhook delivery refused by the receiver", "target", t.ID, "url", t.Address, "status", resp.Status)
		return deliveryError(resp.StatusCode, nil)
	}
	return nil
}

func (d *Service) mail(to string, n Notice) error {
	if d.smtp.Addr == "" {
		return errors.New("no SMTP relay configured (smtp.addr)")
	}
	from := d.smtp.From
	if from == "" {
		from = "khien@localhost"
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	host, _, _ := net.SplitHostPort(d.smtp.Addr)
	subject := "[Khiên] " + n.Subject
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@khien>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		from, to, mime.QEncoding.Encode("utf-8", subject), n.At.Format(time.RFC1123Z), hex.EncodeToString(id))
	fmt.Fprintf(&msg, "%s\r\n\r\n%s\r\n\r\nMức độ / severity: %s\r\nLúc / at: %s\r\n", n.Text, n.TextEN, n.Severity, n.At.Format(time.RFC3339))
	var auth smtp.Auth
	if d.smtp.Username != "" {
		auth = smtp.PlainAuth("", d.smtp.Username, d.smtp.Password, host)
	}
	return smtp.SendMail(d.smtp.Addr, auth, from, []string{to}, []byte(msg.String()))
}
