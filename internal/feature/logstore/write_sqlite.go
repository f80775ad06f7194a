package logstore

import (
	"context"
	"database/sql"
)

// storeSQLite writes one day into its file: the records already there are
// dropped from the write, then the blocks and the per-agency counts are
// written, in one transaction.
func (s *Service) storeSQLite(ctx context.Context, w *dayWrite) error {
	d, _, err := s.files.get(ctx, w.day, true)
	if err != nil {
		return err
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := writeDaySQLite(ctx, tx, w); err != nil {
		return err
	}
	return tx.Commit()
}

// writeDaySQLite writes w in tx.
func writeDaySQLite(ctx context.Context, tx *sql.Tx, w *dayWrite) error {
	if err := w.dropStored(ctx, tx, `SELECT ids FROM log_blocks WHERE max_received >= ? AND min_received <= ? AND agency_id IN (`+w.agencyList()+`)`,
		w.minRecv, w.maxRecv); err != nil {
		return err
	}
	for _, b := range w.blocks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO log_blocks (agency_id, min_received, max_received, events, bytes, bloom, ids, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			b.agency, b.minRecv, b.maxRecv, b.events, b.bytes, b.bloom, b.ids, b.data); err != nil {
			return err
		}
	}
	agencies, events, bytes := agencyTotals(w.blocks)
	for _, a := range agencies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO log_agency_stats (agency_id, events, bytes) VALUES (?, ?, ?)
			ON CONFLICT (agency_id) DO UPDATE SET events = events + excluded.events, bytes = bytes + excluded.bytes`, a, events[a], bytes[a]); err != nil {
			return err
		}
	}
	return nil
}
