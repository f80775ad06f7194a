package sitescan

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/store"
)

// A site's verification: only approved and verified sites are scanned and
// probed. A URL added by an agency officer waits (pending) until its
// agency proves control of the host (verified: a TXT record or a file with
// the token Khiên gives, checked at once by "verify now" and again by the
// recheck job with back-off) or an admin or analyst approves it; URLs
// added by admins and analysts are approved at once. An analyst may
// reject a site: it is then never scanned.
const (
	Approved = "approved"
	Verified = "verified"
	Pending  = "pending"
	Rejected = "rejected"
)

// Scannable reports whether a site in verification state v may be scanned
// and probed.
func Scannable(v string) bool { return v == Approved || v == Verified }

// HostProof is what an agency publishes to prove it controls a pending
// site's host, and how the last check went.
type HostProof struct {
	Host           string     `json:"host"`
	Token          string     `json:"token"`
	DNSName        string     `json:"dns_name"`  // _khien-verify.<host>
	DNSValue       string     `json:"dns_value"` // khien-verify=<token>, also the file's line
	FileURL        string     `json:"file_url"`
	Instructions   string     `json:"instructions"`
	InstructionsEN string     `json:"instructions_en"`
	CheckedAt      *time.Time `json:"checked_at"`
	NextCheckAt    *time.Time `json:"next_check_at"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error"`
}

// Back-off of the recheck job: first after firstRecheck, then doubling
// up to lastRecheck between checks.
const (
	firstRecheck = 5 * time.Minute
	lastRecheck  = 24 * time.Hour
)

func recheckAfter(attempts int) time.Duration {
	d := firstRecheck
	for i := 1; i < attempts && d < lastRecheck; i++ {
		d *= 2
	}
	return min(d, lastRecheck)
}

type agencyHost struct {
	agency int64
	host   string
}

// settleNew settles the sites created pending at created: those whose
// agency has verified their host already are verified; for the others
// the agency gets a token for the host (once per agency and host).
func (s *Service) settleNew(ctx context.Context, tx *store.Tx, created string) error {
	rows, err := tx.QueryContext(ctx, `SELECT x.id, x.url, s.agency_id FROM sites x JOIN systems s ON s.id = x.system_id
		WHERE x.verification = 'pending' AND x.created_at = $1`, created)
	if err != nil {
		return fmt.Errorf("sitescan: new sites: %w", err)
	}
	groups := map[agencyHost][]int64{}
	for rows.Next() {
		var id, agency int64
		var u string
		if err := rows.Scan(&id, &u, &agency); err != nil {
			rows.Close()
			return err
		}
		if h := webscan.HostOf(u); h != "" {
			k := agencyHost{agency, h}
			groups[k] = append(groups[k], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for k, ids := range groups {
		var verifiedAt string
		err := tx.QueryRowContext(ctx, `SELECT verified_at FROM host_verifications WHERE agency_id = $1 AND host = $2`, k.agency, k.host).Scan(&verifiedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO host_verifications (agency_id, host, token, next_check_at, created_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (agency_id, host) DO NOTHING`, k.agency, k.host, newToken(), store.FormatTime(time.Now().Add(firstRecheck)), created); err != nil {
				return fmt.Errorf("sitescan: token for %s: %w", k.host, err)
			}
		case err != nil:
			return fmt.Errorf("sitescan: verification of %s: %w", k.host, err)
		case verifiedAt != "":
			if err := setVerification(ctx, tx, ids, Verified); err != nil {
				return err
			}
		}
	}
	return nil
}

// setVerification moves sites ids to state v; a site made scannable is
// due for its first scan and probe now.
func setVerification(ctx context.Context, tx *store.Tx, ids []int64, v string) error {
	now := store.Now()
	for chunk := range slices.Chunk(ids, 500) {
		args := []any{v, now}
		for _, id := range chunk {
			args = append(args, id)
		}
		due := ""
		if Scannable(v) {
			due = ", next_scan_at = $2, next_check_at = $2"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET verification = $1`+due+` WHERE $2 <> '' AND id IN (`+store.Placeholders(3, len(chunk))+`)`, args...); err != nil {
			return fmt.Errorf("sitescan: set verification: %w", err)
		}
	}
	return nil
}

// newToken is a fresh verification token: 160 random bits, in lower-case
// base32 (fit for a DNS TXT record and a file).
func newToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// addProofs attaches to each pending site what its agency must publish.
func (s *Service) addProofs(ctx context.Context, sites []Site) error {
	for i := range sites {
		x := &sites[i]
		if x.Verification != Pending {
			continue
		}
		host := webscan.HostOf(x.URL)
		var p HostProof
		var checked, next string
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT token, checked_at, next_check_at, attempts, last_error FROM host_verifications WHERE agency_id = $1 AND host = $2`,
			x.AgencyID, host).Scan(&p.Token, &checked, &next, &p.Attempts, &p.LastError)
		if errors.Is(err, sql.ErrNoRows) {
			continue // approved or rejected before a token was due
		}
		if err != nil {
			return fmt.Errorf("sitescan: verification of %s: %w", host, err)
		}
		p.Host, p.CheckedAt, p.NextCheckAt = host, store.TimePtr(checked), store.TimePtr(next)
		p.DNSName, p.DNSValue = webscan.OwnershipLabel+host, webscan.OwnershipRecord(p.Token)
		p.FileURL = originOf(x.URL) + webscan.OwnershipPath
		p.Instructions = fmt.Sprintf("Trang này chỉ được quét và giám sát sau khi đơn vị chứng minh quản lý tên miền %s, bằng một trong hai cách: "+
			"(1) thêm bản ghi DNS TXT tại %s với giá trị %s; hoặc (2) đặt tệp %s chứa dòng %s. Sau đó bấm \"Xác minh ngay\"; hệ thống cũng tự kiểm tra lại định kỳ. "+
			"Cán bộ phân tích hoặc quản trị cũng có thể duyệt trang.", host, p.DNSName, p.DNSValue, p.FileURL, p.DNSValue)
		p.InstructionsEN = fmt.Sprintf("This site is scanned and monitored only once its agency proves it controls %s, in either way: "+
			"(1) add a DNS TXT record at %s with the value %s; or (2) publish the file %s holding the line %s. Then press \"Verify now\"; it is also rechecked periodically. "+
			"An analyst or admin may approve the site instead.", host, p.DNSName, p.DNSValue, p.FileURL, p.DNSValue)
		x.Proof = &p
	}
	return nil
}

// originOf is scheme://host[:port] of a URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// ThrottledError asks the caller to come back after Wait.
type ThrottledError struct{ wait time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("this host was checked a moment ago; try again in %s", e.wait.Round(time.Second))
}

// Is makes errors.Is(err, store.ErrThrottled) hold.
func (e *ThrottledError) Is(target error) bool { return target == store.ErrThrottled }

// Wait is when to try again.
func (e *ThrottledError) Wait() time.Duration { return max(e.wait, time.Second) }
