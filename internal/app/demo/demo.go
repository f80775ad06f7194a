// Package demo fills an empty Khiên database with a realistic, fictional
// province (the "Sông Lam" province, all names under the reserved .example
// domain): a tree of about twenty agencies, about sixty information
// systems with their URLs, domains, addresses and software, and one user
// of each role, so that a newcomer sees a living dashboard.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// ErrNotEmpty is returned when the database already holds agencies.
var ErrNotEmpty = errors.New("demo: the database already holds agencies; the demo only fills an empty data folder")

type agencyDef struct {
	code, name, parent, kind string
}

var agencies = []agencyDef{
	{"SL", "UBND tỉnh Sông Lam", "", "province"},
	{"SL-VP", "Văn phòng UBND tỉnh", "SL", "department"},
	{"SL-KHCN", "Sở Khoa học và Công nghệ", "SL", "department"},
	{"SL-KHCN-CDS", "Trung tâm Chuyển đổi số tỉnh", "SL-KHCN", "unit"},
	{"SL-TC", "Sở Tài chính", "SL", "department"},
	{"SL-YT", "Sở Y tế", "SL", "department"},
	{"SL-YT-BV", "Bệnh viện Đa khoa tỉnh", "SL-YT", "unit"},
	{"SL-YT-CDC", "Trung tâm Kiểm soát bệnh tật tỉnh", "SL-YT", "unit"},
	{"SL-GD", "Sở Giáo dục và Đào tạo", "SL", "department"},
	{"SL-GD-THPT", "Trường THPT chuyên Sông Lam", "SL-GD", "unit"},
	{"SL-NNMT", "Sở Nông nghiệp và Môi trường", "SL", "department"},
	{"SL-XD", "Sở Xây dựng", "SL", "department"},
	{"SL-NV", "Sở Nội vụ", "SL", "department"},
	{"SL-TP", "Sở Tư pháp", "SL", "department"},
	{"SL-VHTT", "Sở Văn hóa, Thể thao và Du lịch", "SL", "department"},
	{"SL-CT", "Sở Công Thương", "SL", "department"},
	{"SL-P-BA", "UBND phường Bình An", "SL", "commune"},
	{"SL-P-TL", "UBND phường Tân Lập", "SL", "commune"},
	{"SL-X-YH", "UBND xã Yên Hòa", "SL", "commune"},
	{"SL-X-DS", "UBND xã Đông Sơn", "SL", "commune"},
}

// slug is the demo host label of each agency.
var slug = map[string]string{
	"SL": "songlam", "SL-VP": "vpubnd", "SL-KHCN": "skhcn", "SL-KHCN-CDS": "cds", "SL-TC": "stc", "SL-YT": "syt",
	"SL-YT-BV": "bvdk", "SL-YT-CDC": "cdc", "SL-GD": "sgddt", "SL-GD-THPT": "thptchuyen", "SL-NNMT": "snnmt",
	"SL-XD": "sxd", "SL-NV": "snv", "SL-TP": "stp", "SL-VHTT": "svhttdl", "SL-CT": "sct",
	"SL-P-BA": "binhan", "SL-P-TL": "tanlap", "SL-X-YH": "yenhoa", "SL-X-DS": "dongson",
}

type systemDef struct {
	name, purpose, info, audience, hosting, host string
	software                                     []registry.Software
}

var (
	wordpress = registry.Software{Name: "WordPress", Version: "6.4.3", CPE: "cpe:2.3:a:wordpress:wordpress:6.4.3:*:*:*:*:*:*:*"}
	nginx     = registry.Software{Name: "nginx", Version: "1.24.0", CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*"}
	apache    = registry.Software{Name: "Apache HTTP Server", Version: "2.4.57", CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}
	tomcat    = registry.Software{Name: "Apache Tomcat", Version: "9.0.80", CPE: "cpe:2.3:a:apache:tomcat:9.0.80:*:*:*:*:*:*:*"}
	postgres  = registry.Software{Name: "PostgreSQL", Version: "15.6", CPE: "cpe:2.3:a:postgresql:postgresql:15.6:*:*:*:*:*:*:*"}
	iis       = registry.Software{Name: "Microsoft IIS", Version: "10.0", CPE: "cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*"}
	zimbra    = registry.Software{Name: "Zimbra Collaboration", Version: "9.0.0", CPE: "cpe:2.3:a:zimbra:collaboration:9.0.0:*:*:*:*:*:*:*"}
	liferay   = registry.Software{Name: "Liferay Portal", Version: "7.4.3", PURL: "pkg:maven/com.liferay.portal/release.portal.bom@7.4.3"}
)

// systemsFor lists the systems of one agency, by the agency's kind.
func systemsFor(a agencyDef) []systemDef {
	h := slug[a.code]
	portal := systemDef{"Cổng thông tin điện tử " + a.name, "Đăng tải thông tin chỉ đạo, điều hành, văn bản và tin tức", "Thông tin công khai", "Người dân, doanh nghiệp", "provincial-dc", h, []registry.Software{wordpress, nginx}}
	docs := systemDef{"Hệ thống quản lý văn bản và điều hành", "Quản lý văn bản đến, đi và hồ sơ công việc", "Thông tin nội bộ", "Cán bộ, công chức", "provincial-dc", "vanban." + h, []registry.Software{tomcat, postgres}}
	switch a.kind {
	case "province":
		return []systemDef{
			{"Cổng thông tin điện tử tỉnh Sông Lam", "Cổng thông tin chính thức của tỉnh", "Thông tin công khai", "Người dân, doanh nghiệp", "provincial-dc", h, []registry.Software{liferay, nginx}},
			{"Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", "Tiếp nhận và giải quyết hồ sơ thủ tục hành chính trực tuyến", "Dữ liệu cá nhân", "Người dân, doanh nghiệp", "provincial-dc", "dichvucong." + h, []registry.Software{tomcat, postgres, nginx}},
			{"Hệ thống thư điện tử công vụ", "Thư điện tử cho cán bộ, công chức toàn tỉnh", "Thông tin nội bộ", "Cán bộ, công chức", "provincial-dc", "mail." + h, []registry.Software{zimbra}},
			{"Trục liên thông văn bản tỉnh (LGSP)", "Kết nối, chia sẻ dữ liệu giữa các hệ thống của tỉnh", "Thông tin nội bộ", "Các cơ quan nhà nước", "provincial-dc", "lgsp." + h, []registry.Software{tomcat, nginx}},
		}
	case "commune":
		return []systemDef{portal, {"Hệ thống một cửa điện tử " + a.name, "Tiếp nhận hồ sơ tại bộ phận một cửa", "Dữ liệu cá nhân", "Người dân", "provincial-dc", "motcua." + h, []registry.Software{iis}}}
	case "unit":
		return []systemDef{portal, {"Hệ thống quản lý nghiệp vụ " + a.name, "Phần mềm nghiệp vụ chuyên ngành", "Dữ liệu cá nhân", "Cán bộ, viên chức", "on-premise", "nghiepvu." + h, []registry.Software{apache, postgres}}}
	}
	special := systemDef{"Cơ sở dữ liệu chuyên ngành " + a.name, "Quản lý dữ liệu chuyên ngành của sở", "Dữ liệu cá nhân", "Cán bộ, công chức; người dân tra cứu", "cloud", "csdl." + h, []registry.Software{tomcat, postgres, nginx}}
	list := []systemDef{portal, docs, special}
	if len(a.code)%2 == 1 {
		list = append(list, systemDef{"Hệ thống hội nghị truyền hình " + a.name, "Họp trực tuyến giữa sở và các đơn vị", "Thông tin nội bộ", "Cán bộ, công chức", "on-premise", "hop." + h, []registry.Software{nginx}})
	}
	return list
}

// Result says what the demo created.
type Result struct {
	Agencies int
	Systems  int
	Users    map[string]string // user name → role
	Password string            // the demo users' password
	// History is what the demo recorded of the last 90 days.
	History Recorded
	// Detections is what the demo recorded of the last hours' logs.
	Detections Detections
}

// Fill creates the demo province in an empty database, all in one
// transaction. Demo users share one random password, returned in Result.
func Fill(ctx context.Context, db *store.DB, reg *registry.Registry, accounts *auth.Service) (Result, error) {
	res := Result{Users: map[string]string{}, Password: auth.RandomPassword(12)}
	err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, n, err := reg.Agencies(ctx, access.System, registry.AgencyFilter{Page: registry.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		ids := map[string]int64{}
		for i, def := range agencies {
			in := registry.AgencyInput{Code: sp(def.code), Name: sp(def.name), Kind: sp(def.kind),
				Email: sp(fmt.Sprintf("attt@%s.songlam.example", slug[def.code])), Phone: sp(fmt.Sprintf("0238 38%02d %03d", i+10, 100+i*7)),
				SecurityOfficer: sp(officers[i%len(officers)])}
			if def.parent != "" {
				p := ids[def.parent]
				in.ParentID = registry.OptionalID{Set: true, ID: &p}
			}
			if def.code == "SL-YT" { // one agency publishes its status page: /status/SL-YT
				public := true
				in.PublicStatus = &public
			}
			a, err := reg.CreateAgency(ctx, access.System, in)
			if err != nil {
				return fmt.Errorf("demo: agency %s: %w", def.code, err)
			}
			ids[def.code] = a.ID
			res.Agencies++
			for j, sd := range systemsFor(def) {
				if err := addSystem(ctx, reg, a.ID, i, j, sd); err != nil {
					return fmt.Errorf("demo: system %q: %w", sd.name, err)
				}
				res.Systems++
			}
		}
		return addUsers(ctx, accounts, ids, &res)
	})
	return res, err
}

var officers = []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thị Giang", "Võ Đức Hải", "Đặng Thu Hà", "Bùi Thanh Hùng"}

func sp(s string) *string { return &s }

func addSystem(ctx context.Context, reg *registry.Registry, agency int64, i, j int, sd systemDef) error {
	host := sd.host + ".songlam.example"
	urls := []string{"https://" + host + "/"}
	if j == 0 && i%4 == 0 {
		urls = append(urls, "http://"+host+"/") // some portals still answer on plain HTTP
	}
	domains := []string{host}
	ips := []string{fmt.Sprintf("203.0.113.%d", 10+i*3+j)}
	var cidrs []string
	if j == 0 && i%5 == 0 {
		cidrs = []string{fmt.Sprintf("198.51.100.%d/29", (i*8)%256)}
	}
	status := "active"
	if (i+j)%11 == 10 {
		status = "planned"
	}
	operator := "Trung tâm Chuyển đổi số tỉnh"
	if sd.hosting == "cloud" {
		operator = "Nhà cung cấp dịch vụ đám mây (thuê ngoài)"
	}
	_, err := reg.CreateSystem(ctx, access.System, registry.SystemInput{
		AgencyID: &agency, Name: sp(sd.name), Purpose: sp(sd.purpose), InfoKind: sp(sd.info), Audience: sp(sd.audience),
		Hosting: sp(sd.hosting), Operator: sp(operator), Status: sp(status),
		URLs: &urls, Domains: &domains, IPs: &ips, CIDRs: &cidrs, Software: &sd.software,
	})
	return err
}

func addUsers(ctx context.Context, accounts *auth.Service, ids map[string]int64, res *Result) error {
	users := []struct {
		name, display, role, agency string
	}{
		{"analyst", "Chuyên viên Phòng An toàn thông tin", "analyst", ""},
		{"auditor", "Thanh tra Sở", "auditor", ""},
		{"canbo.stc", "Cán bộ CNTT Sở Tài chính", "agency", "SL-TC"},
		{"canbo.syt", "Cán bộ CNTT Sở Y tế", "agency", "SL-YT"},
		{"canbo.binhan", "Cán bộ UBND phường Bình An", "agency", "SL-P-BA"},
	}
	for _, u := range users {
		in := auth.UserInput{Username: sp(u.name), DisplayName: sp(u.display), Role: sp(u.role), Password: &res.Password}
		if u.agency != "" {
			id := ids[u.agency]
			in.AgencyID = &id
		}
		if _, err := accounts.CreateUser(ctx, access.System, in); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue // a user of that name exists already; keep it
			}
			return fmt.Errorf("demo: user %s: %w", u.name, err)
		}
		res.Users[u.name] = u.role
	}
	return nil
}
