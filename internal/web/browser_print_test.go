package web_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestPrintA4 prints the scan report, the site page and the public trust
// page on A4 in Chromium, in both languages: the print stylesheet hides
// the menu, forms and buttons, nothing is wider than the printable width,
// and the PDF is made (written to $KHIEN_SCREENSHOTS/print when set, with
// a picture of each page as printed).
func TestPrintA4(t *testing.T) {
	w := newWorld(t, "sqlite")
	c := startChrome(t)
	c.open(w.ts.URL + "/login")
	loginAs(t, c, "admin")
	dir := os.Getenv("KHIEN_SCREENSHOTS")
	if dir != "" {
		dir = filepath.Join(dir, "print")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pages := map[string]string{
		"scan":  fmt.Sprintf("/scans/%d", w.scanA),
		"site":  fmt.Sprintf("/sites/%d", w.siteA.ID),
		"trust": "/trust/" + w.labelA,
		// The official notice of an advisory to agency A (issue 13).
		"vuln-notice": uiPath(advisoryA("/agencies/A/notice"))(w, "admin"),
	}
	// A4 less the stylesheet's 12 mm side margins: 186 mm at 96 px/inch.
	const printable = 703
	for _, lang := range []string{"vi", "en"} {
		c.open(w.ts.URL + "/lang/" + lang + "?next=%2F")
		for name, path := range pages {
			c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": printable, "height": 1000, "deviceScaleFactor": 1, "mobile": false})
			c.call("Emulation.setEmulatedMedia", map[string]any{"media": "print"})
			c.visit(w.ts.URL + path)
			where := name + " in " + lang
			if over := c.eval(`document.documentElement.scrollWidth`); over.(float64) > printable {
				t.Errorf("%s: printed %v px wide, the page has %d", where, over, printable)
			}
			for _, sel := range []string{"header.top", "footer", "main form", "main button"} {
				if shown := c.eval(`[...document.querySelectorAll("` + sel + `")].some(e => e.getClientRects().length > 0)`); shown != false {
					t.Errorf("%s: %s is printed", where, sel)
				}
			}
			if h1 := c.eval(`document.querySelector("h1").getClientRects().length`); h1 != float64(1) {
				t.Errorf("%s: the heading is not printed", where)
			}
			if dir != "" {
				c.screenshot(filepath.Join("print", name+"-"+lang))
			}
			var pdf struct{ Data []byte }
			c.callInto(c.session, "Page.printToPDF", map[string]any{"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true, "printBackground": true}, &pdf)
			if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) || len(pdf.Data) < 2000 {
				t.Errorf("%s: no PDF (%d bytes)", where, len(pdf.Data))
			}
			if dir != "" {
				if err := os.WriteFile(filepath.Join(dir, name+"-"+lang+".pdf"), pdf.Data, 0o644); err != nil {
					t.Error(err)
				}
			}
			c.call("Emulation.setEmulatedMedia", map[string]any{"media": ""})
		}
	}
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%v", p)
	}
}
