package ingest

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Mutual TLS (ingest.tls_client_ca): every syslog sender over TLS shows a
// client certificate signed by the configured CA. The province's CA
// binds a certificate to an agency by its subject common name: a CN that
// is an agency's code (exactly, as the registry writes it: "SKHCN") makes
// the connection's events that agency's, whatever address it comes from.
// A CN that names no agency (a host name) binds nothing: the sender's
// address chooses the system, as without client certificates.

// certAgency answers the agency the peer's verified client certificate
// is bound to, or nil. An error (the database does not answer) must end
// the connection: its events must not go by address instead.
func (s *Service) certAgency(ctx context.Context, tc *tls.Conn) (*Target, error) {
	st := tc.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return nil, nil // no client CA configured: no certificate asked for
	}
	cn := strings.TrimSpace(st.PeerCertificates[0].Subject.CommonName)
	if cn == "" || len(cn) > 100 {
		return nil, nil
	}
	t := &Target{}
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, path FROM agencies WHERE code = $1`, cn).Scan(&t.AgencyID, &t.agencyPath)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: agency of the client certificate %q: %w", cn, err)
	}
	slog.Debug("ingest: client certificate bound to an agency", "cn", cn, "agency", t.AgencyID, "peer", tc.RemoteAddr().String())
	return t, nil
}
