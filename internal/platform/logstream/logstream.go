// Package logstream carries accepted log events from the receivers to the
// features that read them (storage and search, detection) over one
// JetStream stream. It is the contract between those features: the
// Record's JSON shape, the stream and its consumers, publishing in batches
// and consuming in batches with at-least-once delivery.
//
// The stream keeps a message until every consumer named in Consumers has
// acknowledged it (interest retention), up to a disk quota; past the quota
// Publish fails with ErrFull and the receivers push back (HTTP 429, TCP
// stops reading) rather than lose what they accepted. A consumer may see a
// record twice (a redelivery after a crash): records carry an ID for
// consumers to drop duplicates.
package logstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subjects. A batch is published on SubjectPrefix + the
// agency id, so that a consumer may filter by agency.
const (
	Stream        = "KHIEN_LOGS"
	SubjectPrefix = "khien.logs."
)

// The durable consumers every accepted record is kept for. Each reads
// the whole stream; a record leaves the stream when all have acknowledged.
const (
	ConsumerStore  = "logstore"
	ConsumerDetect = "detect"
)

// Consumers lists the durable consumers Setup creates.
var Consumers = []string{ConsumerStore, ConsumerDetect}

// MaxBatchBytes bounds one published message (a few hundred records):
// small enough that a consumer's batch of them is done well within the
// acknowledgement wait, so that a slow store is not sent the same
// records again; Publish splits larger batches.
const MaxBatchBytes = 128 << 10

// ErrFull says the stream is at its disk quota: the caller must push back
// (HTTP 429, stop reading a TCP connection) and try again later.
var ErrFull = errors.New("logstream: the event queue is full")

// Receivers, the values of Record.Receiver.
const (
	ReceiverSyslogUDP = "syslog-udp"
	ReceiverSyslogTCP = "syslog-tcp"
	ReceiverSyslogTLS = "syslog-tls"
	ReceiverHTTP      = "http" // POST /api/v1/ingest
	ReceiverBulk      = "bulk" // Elasticsearch-compatible POST /_bulk
	ReceiverFile      = "file" // an uploaded or imported file (EVTX, NDJSON)
)

// Record is one accepted event, normalized, as consumers receive it.
type Record struct {
	// ID identifies the event for de-duplication: the sender's own id
	// when it gives one (a Beats document's _id), else one the receiver
	// makes (NewID).
	ID       string `json:"id"`
	AgencyID int64  `json:"agency_id"`
	SystemID int64  `json:"system_id,omitempty"`
	// Receiver is how it arrived (the Receiver* constants); Sender is the
	// peer's IP address for syslog, or the token's name for HTTP.
	Receiver string    `json:"receiver"`
	Sender   string    `json:"sender,omitempty"`
	Received time.Time `json:"received"`
	// Time is the event's own time; zero when it did not say.
	Time time.Time `json:"time,omitempty"`
	// Source is the parser that read it (normalize.Source*).
	Source     string         `json:"source"`
	Product    string         `json:"product,omitempty"`
	Categories []string       `json:"categories,omitempty"`
	Services   []string       `json:"services,omitempty"`
	Fields     map[string]any `json:"fields"`
	Original   string         `json:"original"`
}

// FromEvent makes a record of a normalized event; the caller sets ID,
// agency, system, receiver, sender and received time.
func FromEvent(ev normalize.Event) Record {
	return Record{
		Time:       ev.Timestamp,
		Source:     ev.Source,
		Product:    ev.Logsource.Product,
		Categories: ev.Logsource.Categories,
		Services:   ev.Logsource.Services,
		Fields:     ev.Fields,
		Original:   ev.Original,
	}
}

// Event gives the record back as a normalized event (for detection).
func (r Record) Event() normalize.Event {
	return normalize.Event{
		Fields:    r.Fields,
		Original:  r.Original,
		Timestamp: r.Time,
		Source:    r.Source,
		Logsource: normalize.Logsource{Product: r.Product, Categories: r.Categories, Services: r.Services},
	}
}

// NewID returns a fresh random record id (32 hex digits).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Options configure the stream.
type Options struct {
	// MaxBytes is the disk quota of records waiting for a consumer; 0
	// keeps the existing stream's (1 GiB for a new one).
	MaxBytes int64
	// Replicas as for the bus's own streams (0: 1).
	Replicas int
	// AckWait is how long a consumer keeps a batch before it is delivered
	// again (default 60 s).
	AckWait time.Duration
}

// Setup creates or updates the stream and its durable consumers. Call it
// before the first Publish: a record published while no consumer exists
// would be dropped by interest retention.
func Setup(ctx context.Context, js jetstream.JetStream, opts Options) error {
	if opts.MaxBytes <= 0 {
		// No quota asked (a worker, detection): keep the one the stream
		// has, which serve set from its configuration.
		opts.MaxBytes = 1 << 30
		if st, err := js.Stream(ctx, Stream); err == nil {
			if info, err := st.Info(ctx); err == nil && info.Config.MaxBytes > 0 {
				opts.MaxBytes = info.Config.MaxBytes
			}
		}
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.AckWait <= 0 {
		opts.AckWait = time.Minute
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        Stream,
		Description: "Khiên accepted log events, kept until storage and detection have them",
		Subjects:    []string{SubjectPrefix + ">"},
		Retention:   jetstream.InterestPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    opts.MaxBytes,
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
		MaxMsgSize:  MaxBatchBytes + 64<<10,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return fmt.Errorf("logstream: stream %s: %w", Stream, err)
	}
	for _, name := range Consumers {
		_, err := js.CreateOrUpdateConsumer(ctx, Stream, jetstream.ConsumerConfig{
			Durable:       name,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       opts.AckWait,
			MaxAckPending: 1000,
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			return fmt.Errorf("logstream: consumer %s: %w", name, err)
		}
	}
	return nil
}

// Publish sends records in messages of at most MaxBatchBytes, each
// de-duplicated by JetStream on its first record's id and count (a
// retried Publish of the same batch is stored once). Records of one call
// may belong to different agencies; each message goes to its first
// record's agency subject. It returns ErrFull when the stream is at its
// quota; records of earlier messages of the call may then have been
// stored (their ids make a retry harmless).
func Publish(ctx context.Context, js jetstream.JetStream, recs []Record) error {
	// Each message gets a buffer of its full size at once (appending
	// record by record was a third of Publish's time in copies).
	size := min(MaxBatchBytes, 512*len(recs)) + binary.MaxVarintLen64
	newBuf := func() []byte { return append(make([]byte, 0, size), magic...) }
	buf := newBuf()
	first, n := "", 0
	var agency int64
	flush := func() error {
		if n == 0 {
			return nil
		}
		msg := &nats.Msg{Subject: SubjectPrefix + strconv.FormatInt(agency, 10), Data: buf, Header: nats.Header{}}
		msg.Header.Set(nats.MsgIdHdr, first+"/"+strconv.Itoa(n))
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			if isQuotaError(err) {
				return ErrFull
			}
			return fmt.Errorf("logstream: publish: %w", err)
		}
		buf, n, first = newBuf(), 0, ""
		return nil
	}
	// Records go agency by agency (in their order within each), so that
	// records of senders of several agencies interleaved in one call make
	// a few full messages, not one message per change of agency.
	var one []byte
	for _, i := range byAgency(recs) {
		var err error
		if one, err = appendRecord(one[:0], &recs[i]); err != nil {
			return fmt.Errorf("logstream: record %s: %w", recs[i].ID, err)
		}
		if n > 0 && (len(buf)+len(one)+binary.MaxVarintLen64 > MaxBatchBytes || recs[i].AgencyID != agency) {
			if err := flush(); err != nil {
				return err
			}
		}
		if n == 0 {
			first, agency = recs[i].ID, recs[i].AgencyID
		}
		buf = binary.AppendUvarint(buf, uint64(len(one)))
		buf = append(buf, one...)
		n++
	}
	return flush()
}

// byAgency is the order of recs' indexes agency by agency: the agencies
// in the order they first appear, each one's records in their order.
func byAgency(recs []Record) []int {
	order := make([]int, 0, len(recs))
	var agencies []int64
	var idx map[int64][]int
	for i := range recs {
		if idx == nil && (i == 0 || recs[i].AgencyID == recs[i-1].AgencyID) {
			order = append(order, i) // one agency so far: the order as it is
			continue
		}
		if idx == nil { // a second agency: sort the ones seen by agency
			idx = map[int64][]int{}
			for _, j := range order {
				if _, ok := idx[recs[j].AgencyID]; !ok {
					agencies = append(agencies, recs[j].AgencyID)
				}
				idx[recs[j].AgencyID] = append(idx[recs[j].AgencyID], j)
			}
		}
		a := recs[i].AgencyID
		if _, ok := idx[a]; !ok {
			agencies = append(agencies, a)
		}
		idx[a] = append(idx[a], i)
	}
	if idx == nil {
		return order
	}
	order = order[:0]
	for _, a := range agencies {
		order = append(order, idx[a]...)
	}
	return order
}

// Decode reads one message's records. A record that does not decode is
// skipped and counted in bad (it cannot be retried into shape). Messages
// of lines of JSON, as Khiên wrote them before the binary format, are
// read too.
func Decode(data []byte) (recs []Record, bad int) { return DecodeAppend(nil, data) }

// DecodeAppend is Decode appending to recs.
func DecodeAppend(recs []Record, data []byte) ([]Record, int) {
	bad := 0
	if bytes.HasPrefix(data, magic) {
		data = data[len(magic):]
		recs = slices.Grow(recs, frames(data))
		for len(data) > 0 {
			size, k := binary.Uvarint(data)
			if k <= 0 || size > uint64(len(data)-k) {
				return recs, bad + 1 // the rest cannot be framed
			}
			r, err := readRecord(data[k : k+int(size)])
			data = data[k+int(size):]
			if err != nil {
				bad++
				continue
			}
			recs = append(recs, r)
		}
		return recs, bad
	}
	for len(data) > 0 {
		i := 0
		for i < len(data) && data[i] != '\n' {
			i++
		}
		line := data[:i]
		if i < len(data) {
			data = data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			bad++
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad
}

// frames counts the length-framed records of a message body (a hint:
// it stops at the first frame that does not fit).
func frames(data []byte) int {
	n := 0
	for len(data) > 0 {
		size, k := binary.Uvarint(data)
		if k <= 0 || size > uint64(len(data)-k) {
			break
		}
		data = data[k+int(size):]
		n++
	}
	return n
}

// isQuotaError tells the server's refusals that mean "full" (the stream's
// byte or message limit with the discard-new policy, or the account's or
// server's storage) from other failures.
func isQuotaError(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "maximum bytes exceeded") || strings.Contains(s, "maximum messages exceeded") ||
		strings.Contains(s, "insufficient resources") || strings.Contains(s, "storage limit")
}
