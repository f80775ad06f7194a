package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"

	"golang.org/x/net/websocket"
)

// chrome is a headless Chromium driven over the DevTools protocol, just
// enough for the UI tests: open a page, run JavaScript, take screenshots,
// and collect console errors and CSP violations.
type chrome struct {
	t       *testing.T
	cmd     *exec.Cmd
	ws      *websocket.Conn
	session string
	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpMessage
	events  []cdpMessage
}

type cdpMessage struct {
	ID        int                       `json:"id,omitempty"`
	Method    string                    `json:"method,omitempty"`
	Params    json.RawMessage           `json:"params,omitempty"`
	Result    json.RawMessage           `json:"result,omitempty"`
	Error     *struct{ Message string } `json:"error,omitempty"`
	SessionID string                    `json:"sessionId,omitempty"`
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("KHIEN_TEST_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

func startChrome(t *testing.T) *chrome {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		need.Skip(t, "no Chromium: apt-get install chromium (scripts/test.sh does)")
	}
	profile, err := os.MkdirTemp("", "khien-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir="+profile, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium runs helper processes: end the whole group, then tidy.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	wsURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				wsURL <- strings.TrimSpace(after)
			}
		}
	}()
	var url string
	select {
	case url = <-wsURL:
	case <-time.After(30 * time.Second):
		t.Fatal("Chromium did not start")
	}
	ws, err := websocket.Dial(url, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatal(err)
	}
	ws.MaxPayloadBytes = 64 << 20
	c := &chrome{t: t, cmd: cmd, ws: ws, pending: map[int]chan cdpMessage{}}
	go c.read()
	var target struct{ TargetID string }
	c.callInto("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	c.callInto("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	c.session = attached.SessionID
	for _, domain := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		c.call(domain, nil)
	}
	return c
}

func (c *chrome) read() {
	for {
		var m cdpMessage
		if err := websocket.JSON.Receive(c.ws, &m); err != nil {
			return
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch := c.pending[m.ID]; ch != nil {
				ch <- m
				delete(c.pending, m.ID)
			}
		} else {
			c.events = append(c.events, m)
		}
		c.mu.Unlock()
	}
}

func (c *chrome) callInto(session, method string, params any, out any) {
	c.t.Helper()
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	if err := websocket.JSON.Send(c.ws, msg); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			c.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				c.t.Fatalf("%s: %v", method, err)
			}
		}
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s: no answer", method)
	}
}

func (c *chrome) call(method string, params any) { c.callInto(c.session, method, params, nil) }

// eval runs a JavaScript expression in the page and returns its value.
func (c *chrome) eval(expr string) any {
	c.t.Helper()
	var res struct {
		Result           struct{ Value any }
		ExceptionDetails *struct{ Text string }
	}
	c.callInto(c.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if res.ExceptionDetails != nil {
		c.t.Fatalf("eval %q: %s", expr, res.ExceptionDetails.Text)
	}
	return res.Result.Value
}

// open navigates to url and waits for the page to load.
func (c *chrome) open(url string) {
	c.t.Helper()
	c.call("Page.navigate", map[string]any{"url": url})
	c.waitLoaded()
}

// visit navigates to url and waits until its document has loaded (Page.navigate
// answers once the new document is committed, so no pause is needed first).
func (c *chrome) visit(url string) {
	c.t.Helper()
	var nav struct{ ErrorText string }
	c.callInto(c.session, "Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		c.t.Fatalf("open %s: %s", url, nav.ErrorText)
	}
	deadline := time.Now().Add(20 * time.Second)
	for c.eval("document.readyState") != "complete" {
		if time.Now().After(deadline) {
			c.t.Fatal("page did not load")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *chrome) waitLoaded() {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	time.Sleep(100 * time.Millisecond)
	for c.eval("document.readyState") != "complete" {
		if time.Now().After(deadline) {
			c.t.Fatal("page did not load")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves a PNG of the page into $KHIEN_SCREENSHOTS when set.
func (c *chrome) screenshot(name string) {
	dir := os.Getenv("KHIEN_SCREENSHOTS")
	if dir == "" {
		return
	}
	var shot struct{ Data []byte }
	c.callInto(c.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot)
	if err := os.WriteFile(fmt.Sprintf("%s/%s.png", dir, name), shot.Data, 0o644); err != nil {
		c.t.Error(err)
	}
}

// problems returns console errors, exceptions and CSP violations so far.
func (c *chrome) problems() []string { return c.problemsSince(0) }

// mark is where the events stand now, for problemsSince.
func (c *chrome) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// problemsSince returns the problems reported after mark.
func (c *chrome) problemsSince(mark int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.events[mark:] {
		switch e.Method {
		case "Runtime.exceptionThrown":
			out = append(out, "exception: "+string(e.Params))
		case "Log.entryAdded", "Runtime.consoleAPICalled":
			s := string(e.Params)
			if strings.Contains(s, `"source":"network"`) && strings.Contains(s, "status of 400") {
				continue // a form shown again with its errors answers 400 on purpose
			}
			if strings.Contains(s, `"level":"error"`) || strings.Contains(s, `"type":"error"`) || strings.Contains(s, "Content Security Policy") {
				out = append(out, s)
			}
		}
	}
	return out
}
