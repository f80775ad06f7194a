package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// Picking a site by name (issue 10 item 6): forms take a site's address
// as typed, and khien.js offers matching sites as one types, from
// /pick/sites. No form asks for a number.

// pickLimit is how many suggestions one answer gives.
const pickLimit = 20

// suggestion is one site offered as the picker's user types.
type suggestion struct {
	Value string `json:"value"` // what the field receives: the site's URL
	Label string `json:"label"` // shown beside it: the system and agency
}

func (s *Server) registerPickers() {
	s.page("GET /pick/sites", s.pickSites)
}

// pickSites answers the sites in the caller's scope whose address, system
// or agency contains q (at most pickLimit), as JSON for the picker.
func (s *Server) pickSites(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 200 {
		s.fail(w, r, fieldErr("q", "is longer than 200 characters", "dài quá 200 ký tự"))
		return
	}
	out := []suggestion{}
	if q != "" {
		sites, _, err := s.deps.Sites.Sites(r.Context(), httpx.Actor(r.Context()), sitescan.SiteFilter{Query: q, Limit: pickLimit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, x := range sites {
			out = append(out, suggestion{Value: x.URL, Label: strings.TrimSpace(x.SystemName + " · " + x.AgencyName)})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
}

// pickSite finds the one site in actor's scope that text names: its
// whole address (with or without the scheme or the final slash), or a
// part of its address, system or agency that only it contains. When none
// or several match, it says so in Vietnamese and English.
func (s *Server) pickSite(ctx context.Context, actor access.Actor, text string) (int64, *[2]string) {
	text = strings.TrimSpace(text)
	sites, total, err := s.deps.Sites.Sites(ctx, actor, sitescan.SiteFilter{Query: text, Limit: 50})
	if err != nil {
		return 0, &[2]string{"không tìm được trang", "the sites could not be searched"}
	}
	want := siteKey(text)
	for _, x := range sites {
		if siteKey(x.URL) == want {
			return x.ID, nil
		}
	}
	switch {
	case total == 1:
		return sites[0].ID, nil
	case total == 0:
		return 0, &[2]string{"không có trang nào trong phạm vi của bạn khớp với địa chỉ này", "no site in your scope matches this address"}
	}
	return 0, &[2]string{fmt.Sprintf("%d trang khớp; hãy chọn một trang trong gợi ý hoặc nhập đủ địa chỉ", total),
		fmt.Sprintf("%d sites match; pick one of the suggestions or type the whole address", total)}
}

// siteKey is an address compared loosely: lower case, without the
// scheme and the final slash.
func siteKey(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		v = u.Host + u.EscapedPath()
	}
	return strings.TrimSuffix(v, "/")
}
