// Command sysloggen sends syslog lines over TCP at a steady rate, as a
// province's servers would through rsyslog, for the end-to-end load run of
// the log pipeline (scripts/bench/logs.sh, docs/benchmarks.md). Each line
// is one of a mix of sshd, nginx and sudo messages in RFC 3164 and RFC
// 5424, newline-framed, numbered so that no two are alike; one in a
// thousand is an sshd error a SigmaHQ rule reports. It prints how many
// lines it sent and in how many seconds.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5514", "the receiver's TCP address")
	rate := flag.Int("rate", 30000, "lines per second, all connections together")
	dur := flag.Duration("duration", 60*time.Second, "how long to send")
	conns := flag.Int("conns", 4, "TCP connections")
	flag.Parse()
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	tick := 10 * time.Millisecond
	perTick := float64(*rate) / float64(*conns) * tick.Seconds()
	for c := 0; c < *conns; c++ {
		conn, err := net.Dial("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sysloggen:", err)
			os.Exit(1)
		}
		wg.Add(1)
		go func(c int, conn net.Conn) {
			defer wg.Done()
			defer conn.Close()
			w := bufio.NewWriterSize(conn, 64<<10)
			owed := 0.0
			n := 0
			t := time.NewTicker(tick)
			defer t.Stop()
			for now := range t.C {
				if now.Sub(start) >= *dur {
					break
				}
				owed += perTick
				for ; owed >= 1; owed-- {
					writeLine(w, c, n)
					n++
				}
				if err := w.Flush(); err != nil {
					fmt.Fprintln(os.Stderr, "sysloggen:", err)
					return
				}
			}
			sent.Add(int64(n))
		}(c, conn)
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("%d %.1f\n", sent.Load(), elapsed.Seconds())
}

// writeLine writes line n of connection c.
func writeLine(w *bufio.Writer, c, n int) {
	ts := time.Now().UTC()
	if n%1000 == 999 { // what SigmaHQ's "Suspicious OpenSSH Daemon Error" looks for
		fmt.Fprintf(w, "<35>%s web%d sshd[%d]: fatal: buffer_get_string: bad string (connection %d)\n", ts.Format(time.Stamp), c, 1000+n%9000, n)
		return
	}
	switch n % 4 {
	case 0:
		fmt.Fprintf(w, "<38>%s web%d sshd[%d]: Failed password for invalid user oracle%d from 203.0.%d.%d port %d ssh2\n",
			ts.Format(time.Stamp), c, 1000+n%9000, n, n/256%256, n%256, 1024+n%60000)
	case 1:
		fmt.Fprintf(w, "<190>1 %s web%d nginx 77 - - 198.51.%d.%d - - [%s] \"GET /index.php?id=%d&c=%d HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"\n",
			ts.Format(time.RFC3339Nano), c, n/256%256, n%256, ts.Format("02/Jan/2006:15:04:05 -0700"), n, c, 512+n%4096)
	case 2:
		fmt.Fprintf(w, "<86>%s db%d sudo:    alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx%d\n",
			ts.Format(time.Stamp), c, n%64, n)
	default:
		fmt.Fprintf(w, "<86>%s web%d sshd[%d]: Accepted publickey for deploy from 10.%d.%d.%d port %d ssh2: ED25519 SHA256:%08x\n",
			ts.Format(time.Stamp), c, 1000+n%9000, c, n/256%256, n%256, 1024+n%60000, n)
	}
}
