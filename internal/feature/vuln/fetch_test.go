package vuln_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

// TestImportFromURL: a feed served on loopback is refused unless the
// configuration admits private addresses, then imported (idempotently);
// an HTTP error, a file over the size limit, a server slower than the
// time limit and bad URLs are refused with the
// url field, importing nothing.
func TestImportFromURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		kev, err := os.ReadFile(filepath.Join(sample, "kev.json"))
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/kev.json":
				_, _ = rw.Write(kev)
			case "/chunked.json": // no Content-Length: the limit is met while reading
				for i := 0; i < len(kev); i += 64 << 10 {
					_, _ = rw.Write(kev[i:min(i+64<<10, len(kev))])
					rw.(http.Flusher).Flush()
				}
			case "/slow.json":
				rw.WriteHeader(200)
				_, _ = rw.Write(kev[:100])
				rw.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
				}
			default:
				http.NotFound(rw, r)
			}
		}))
		defer srv.Close()
		defer close(release)
		refused := func(name, url string, want string) {
			t.Helper()
			_, err := w.Vuln.ImportURL(ctx, access.System, url)
			var fe valid.Errors
			if !errors.As(err, &fe) || fe[0].Field != "url" || fe[0].VI == "" || !strings.Contains(fe[0].EN, want) {
				t.Errorf("%s: %v", name, err)
			}
		}
		refused("loopback by default", srv.URL+"/kev.json", "may not be fetched from")
		refused("metadata address", "http://169.254.169.254/latest/meta-data", "may not be fetched from")
		refused("not http", "file:///etc/passwd", "not an http")
		refused("credentials", "https://user:pw@example.org/kev.json", "user name or password")
		if _, err := w.Vuln.ImportURL(ctx, w.OfficerA, srv.URL+"/kev.json"); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer: %v", err)
		}

		w.Vuln.SetFetch(vuln.FetchConfig{AllowPrivate: true, MaxBytes: 4 << 20, Timeout: time.Minute})
		imp, err := w.Vuln.ImportURL(ctx, access.System, srv.URL+"/kev.json?key=secret")
		if err != nil || imp.Source != "kev" || imp.Added == 0 || imp.FileName != srv.URL+"/kev.json" {
			t.Fatalf("import: %+v %v", imp, err)
		}
		if again, err := w.Vuln.ImportURL(ctx, access.System, srv.URL+"/kev.json"); err != nil || again.Added != 0 || again.Replaced != 0 {
			t.Errorf("again: %+v %v", again, err)
		}
		refused("HTTP 404", srv.URL+"/missing.json", "answered HTTP 404")
		w.Vuln.SetFetch(vuln.FetchConfig{AllowPrivate: true, MaxBytes: int64(len(kev) / 2), Timeout: time.Minute})
		refused("too large", srv.URL+"/kev.json", "larger than")
		refused("too large, streamed", srv.URL+"/chunked.json", "larger than")
		w.Vuln.SetFetch(vuln.FetchConfig{AllowPrivate: true, MaxBytes: 4 << 20, Timeout: 300 * time.Millisecond})
		refused("too slow", srv.URL+"/slow.json", "did not finish")
		var imports int
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_imports`).Scan(&imports); err != nil || imports != 2 {
			t.Errorf("imports recorded: %d %v", imports, err)
		}
	})
}
