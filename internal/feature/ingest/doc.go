// Package ingest is the log receivers (issue 11): syslog over UDP, TCP
// and TLS, POST /api/v1/ingest (NDJSON or a JSON array), and an
// Elasticsearch-compatible bulk API so that Beats and Fluent Bit ship
// unchanged. Every accepted event is normalized (internal/engine/
// normalize), stamped with its agency, system, receiver, sender and
// received time, and published in batches onto the log stream
// (internal/platform/logstream), where storage and detection read it.
//
// # Who an event belongs to
//
// HTTP senders authenticate with an ingest token (this package's table
// ingest_tokens), bound to an agency and optionally one of its systems;
// the token decides, never the document. A syslog sender is mapped by its
// IP address to the registry system that lists the address, or the
// narrowest CIDR that holds it (the registry's system_assets, read; the
// map is reloaded after the registry's SystemsChanged and every minute).
// A sender no system lists goes to the configured default system
// (ingest.default_system) when there is one. Otherwise it is an unknown
// sender: its events are KEPT, unassigned (agency 0, system 0, field
// khien.unassigned = true), so that nothing an agency sent is lost while
// the registry is completed, and only province-wide roles see them. Every
// unknown address is counted (khien_ingest_unknown_senders_total, GET
// /api/v1/ingest/senders). ingest.unknown_senders=refuse drops them
// instead (counted as rejected, reason unknown_sender).
//
// # Back-pressure
//
// Past the stream's disk quota logstream.Publish answers ErrFull. A TCP
// or TLS connection then stops reading (the sender's buffers fill: TCP
// back-pressure) and retries its batch every half second: nothing
// accepted is dropped. HTTP answers 429 with Retry-After and keeps
// nothing of the request (the sender retries it whole). UDP cannot push
// back: its batches are dropped and counted (khien_ingest_dropped_total).
//
// # Errors
//
// Oversized messages, frames without a syslog priority, invalid UTF-8,
// bad JSON and refused tokens are counted by reason
// (khien_ingest_rejected_total and khien_ingest_repaired_total); a
// message without a priority is still kept, as a raw line. No input
// stops a receiver. The framer and the message parser are fuzzed.
//
// The HTTP handlers live here rather than in internal/api because they
// are receivers speaking other programs' protocols (the bulk API), with
// their own authentication, like the syslog listeners.
package ingest
