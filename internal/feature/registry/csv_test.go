package registry_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAgenciesVietnameseHeadersAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// BOM, semicolons, Vietnamese headers, a child before its parent, an
		// extra column to ignore.
		csv := "\ufeffSTT;Mã đơn vị;Tên đơn vị;Mã cấp trên;Thư điện tử;Điện thoại\n" +
			"1;X-CHILD;Phòng Công nghệ;X-PARENT;cntt@x.example;0238 3812 345\n" +
			"2;X-PARENT;Sở Xây dựng;PROV;;\n" +
			"3;STC;Sở Tài chính (đổi tên);PROV;;\n"
		rep, err := f.reg.Import(ctx, access.System, registry.KindAgencies, strings.NewReader(csv), registry.ImportOptions{})
		if err != nil || len(rep.Errors) > 0 || !rep.Committed {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if rep.Created != 2 || rep.Updated != 1 || len(rep.IgnoredColumns) != 1 || rep.IgnoredColumns[0] != "STT" {
			t.Fatalf("report: %+v", rep)
		}
		child, err := f.reg.AgencyByCode(ctx, access.System, "X-CHILD")
		if err != nil || child.Email != "cntt@x.example" {
			t.Fatalf("child: %+v %v", child, err)
		}
		parent, _ := f.reg.AgencyByCode(ctx, access.System, "X-PARENT")
		if child.ParentID == nil || *child.ParentID != parent.ID || !strings.HasPrefix(child.Path, parent.Path) {
			t.Fatalf("child not under parent: %+v %+v", child, parent)
		}
		stc, _ := f.reg.AgencyByCode(ctx, access.System, "STC")
		if stc.Name != "Sở Tài chính (đổi tên)" {
			t.Fatalf("update by code: %q", stc.Name)
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csv := "agency_code,name,urls,domains,cidrs,hosting\n" +
			"STC,Cổng tốt,https://good.example/,good.example,,cloud\n" +
			"STC,Cổng URL hỏng,ftp://bad.example/,,,\n" +
			"NOPE,Đơn vị không có,,,,\n" +
			"STC,Cổng CIDR hỏng,,,10.0.0.1/8,\n" +
			"STC,,https://noname.example/,,,\n" +
			"STC,\"Unclosed quote\n"
		before := countRows(t, db, "systems")
		auditBefore := countRows(t, db, "audit_log")
		rep, err := f.reg.Import(ctx, access.System, registry.KindSystems, strings.NewReader(csv), registry.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed || len(rep.Errors) == 0 {
			t.Fatalf("a file with errors was accepted: %+v", rep)
		}
		if countRows(t, db, "systems") != before || countRows(t, db, "audit_log") != auditBefore {
			t.Fatal("a refused import wrote rows")
		}
		// Broken CSV framing is reported with its line.
		if rep.Errors[0].Line != 7 || !strings.Contains(rep.Errors[0].Message, "malformed CSV") {
			t.Fatalf("errors: %+v", rep.Errors)
		}
		// Without the broken last line, each bad row is reported by line and field.
		csv = csv[:strings.LastIndex(csv, "STC,\"Unclosed")]
		rep, err = f.reg.Import(ctx, access.System, registry.KindSystems, strings.NewReader(csv), registry.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{3: "urls[0]", 4: "agency_code", 5: "cidrs[0]", 6: "name"}
		if len(rep.Errors) != len(want) {
			t.Fatalf("errors: %+v", rep.Errors)
		}
		for _, e := range rep.Errors {
			if want[e.Line] != e.Field || e.MessageVI == "" {
				t.Errorf("line %d field %q (%s), want field %q", e.Line, e.Field, e.Message, want[e.Line])
			}
		}
		if countRows(t, db, "systems") != before {
			t.Fatal("a refused import wrote rows")
		}
	})
}

func TestImportDryRunAndRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csv := "Mã đơn vị,Tên hệ thống,Địa chỉ web,Tên miền,Phần mềm,Hạ tầng\n" +
			"STC,Cổng Sở Tài chính,https://stc.example/; https://www.stc.example/,stc.example,nginx@1.24.0 (cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*); WordPress@6.4,provincial-dc\n" +
			"SYT,\"=HYPERLINK(\"\"x\"\")\",,,,\n"
		rep, err := f.reg.Import(ctx, access.System, registry.KindSystems, strings.NewReader(csv), registry.ImportOptions{DryRun: true})
		if err != nil || len(rep.Errors) > 0 || rep.Committed || rep.Created != 2 {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if countRows(t, db, "systems") != 0 {
			t.Fatal("dry run wrote rows")
		}
		if rep, err = f.reg.Import(ctx, access.System, registry.KindSystems, strings.NewReader(csv), registry.ImportOptions{}); err != nil || !rep.Committed {
			t.Fatalf("import: %+v %v", rep, err)
		}
		var out bytes.Buffer
		if err := f.reg.Export(ctx, access.System, registry.KindSystems, &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("\xef\xbb\xbf")) || !strings.Contains(out.String(), "'=HYPERLINK") {
			t.Fatalf("export lacks the BOM or the formula guard:\n%s", out.String())
		}
		// Importing the export changes nothing: every row is an update by id.
		rep, err = f.reg.Import(ctx, access.System, registry.KindSystems, bytes.NewReader(out.Bytes()), registry.ImportOptions{})
		if err != nil || rep.Updated != 2 || rep.Created != 0 || !rep.Committed {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		list, _, _ := f.reg.Systems(ctx, access.System, registry.SystemFilter{Sort: "id"})
		if list[0].Name != "Cổng Sở Tài chính" || len(list[0].URLs) != 2 || len(list[0].Software) != 2 || list[0].Software[0].CPE == "" || list[1].Name != `=HYPERLINK("x")` {
			t.Fatalf("round trip: %+v", list)
		}
	})
}

func TestImportRespectsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csv := "agency_code,name\nSTC-KB,Hệ thống kho bạc\nSYT,Hệ thống y tế\n"
		rep, err := f.reg.Import(ctx, f.officer(f.a), registry.KindSystems, strings.NewReader(csv), registry.ImportOptions{})
		if err != nil || rep.Committed || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
			t.Fatalf("officer of A importing into B: %+v %v", rep, err)
		}
		var out bytes.Buffer
		if err := f.reg.Export(ctx, f.officer(f.a), registry.KindAgencies, &out); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "SYT") || !strings.Contains(out.String(), "STC-KB") {
			t.Fatalf("officer export: %s", out.String())
		}
	})
}
