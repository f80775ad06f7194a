package levels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Evidence files back a requirement's status in a system's assessment:
// the same documents as a dossier's attachments (PDF, DOCX, ODT checked
// by content, at most MaxAttachment bytes, with their SHA-256, served
// only as downloads), kept per system, regime and requirement. They
// belong to the regime the system's level was approved under, like the
// statuses: after a new approval under another regime the old files are
// no longer listed (they stay stored until the system is purged).
// Reading follows the system's scope (another agency's officer gets 404);
// adding and deleting is for whoever may assess (officers of the
// system's agency, analysts, admins), never auditors (403).

// evidenceTarget checks that requirement req applies to system systemID
// at its approved level (404 when it does not) and returns the regime.
func (s *Service) evidenceTarget(ctx context.Context, q store.Querier, actor access.Actor, systemID int64, req string) (system, string, error) {
	sys, err := s.system(ctx, actor, systemID)
	if err != nil {
		return system{}, "", err
	}
	r, level, err := s.approved(ctx, q, systemID)
	if err != nil {
		return system{}, "", err
	}
	for _, x := range r.Requirements(level) {
		if x.ID == req {
			return sys, r.ID, nil
		}
	}
	return system{}, "", fmt.Errorf("levels: %q is not a requirement of system %d under %s at level %d: %w", req, systemID, r.ID, level, store.ErrNotFound)
}

// EvidenceFiles lists the evidence files of requirement req of system
// systemID, oldest first.
func (s *Service) EvidenceFiles(ctx context.Context, actor access.Actor, systemID int64, req string) ([]Attachment, error) {
	q := s.db.Q(ctx)
	_, regime, err := s.evidenceTarget(ctx, q, actor, systemID, req)
	if err != nil {
		return nil, err
	}
	byReq, err := s.evidenceOf(ctx, q, systemID, regime, req)
	if err != nil {
		return nil, err
	}
	if out := byReq[req]; out != nil {
		return out, nil
	}
	return []Attachment{}, nil
}

// SystemEvidence lists the evidence files of every requirement of system
// systemID's assessment, by requirement id (for its page).
func (s *Service) SystemEvidence(ctx context.Context, actor access.Actor, systemID int64) (map[string][]Attachment, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return nil, err
	}
	q := s.db.Q(ctx)
	r, _, err := s.approved(ctx, q, systemID)
	if err != nil {
		return nil, err
	}
	return s.evidenceOf(ctx, q, systemID, r.ID, "")
}

// evidenceOf reads the files of one requirement, or of all ("").
func (s *Service) evidenceOf(ctx context.Context, q store.Querier, systemID int64, regime, req string) (map[string][]Attachment, error) {
	query := `SELECT requirement, id, name, kind, size, sha256, uploaded_by, created_at FROM level_evidence_files WHERE system_id = $1 AND regime = $2`
	args := []any{systemID, regime}
	if req != "" {
		query += ` AND requirement = $3`
		args = append(args, req)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY requirement, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("levels: evidence files of system %d: %w", systemID, err)
	}
	defer rows.Close()
	out := map[string][]Attachment{}
	for rows.Next() {
		var id string
		var a Attachment
		if err := rows.Scan(&id, &a.ID, &a.Name, &a.Kind, &a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt); err != nil {
			return nil, err
		}
		out[id] = append(out[id], a)
	}
	return out, rows.Err()
}

// AttachEvidence adds a document as evidence for requirement req of
// system systemID: the row with its content in one statement of one
// transaction with its audit entry, so a refused or failed upload leaves
// nothing behind.
func (s *Service) AttachEvidence(ctx context.Context, actor access.Actor, systemID int64, req, name string, data []byte) (Attachment, error) {
	var a Attachment
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		sys, regime, err := s.evidenceWritable(ctx, tx, actor, systemID, req)
		if err != nil {
			return err
		}
		if a, err = s.document(actor, name, data); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO level_evidence_files (system_id, regime, requirement, name, kind, size, sha256, content, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, sys.ID, regime, req, a.Name, a.Kind, a.Size, a.SHA256, data, a.UploadedBy, a.CreatedAt).Scan(&a.ID); err != nil {
			return fmt.Errorf("levels: evidence for %s of system %d: %w", req, systemID, err)
		}
		return s.audit.Record(ctx, actor, "evidence.attach", "system", systemID, nil, map[string]any{
			"regime": regime, "requirement": req, "file_id": a.ID, "name": a.Name, "kind": a.Kind, "size": a.Size, "sha256": a.SHA256})
	})
	return a, err
}

// evidenceWritable is evidenceTarget for a change: the actor may assess
// (403) and the system is live (409).
func (s *Service) evidenceWritable(ctx context.Context, q store.Querier, actor access.Actor, systemID int64, req string) (system, string, error) {
	sys, regime, err := s.evidenceTarget(ctx, q, actor, systemID, req)
	if err != nil {
		return system{}, "", err
	}
	if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
		return system{}, "", fmt.Errorf("levels: %s may not change evidence files: %w", actor.Role, store.ErrForbidden)
	}
	if sys.Archived {
		return system{}, "", conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
	}
	return sys, regime, nil
}

// EvidenceFile returns evidence file fid of requirement req of system
// systemID with its content.
func (s *Service) EvidenceFile(ctx context.Context, actor access.Actor, systemID int64, req string, fid int64) (File, error) {
	q := s.db.Q(ctx)
	_, regime, err := s.evidenceTarget(ctx, q, actor, systemID, req)
	if err != nil {
		return File{}, err
	}
	var f File
	err = q.QueryRowContext(ctx, `SELECT id, name, kind, size, sha256, uploaded_by, created_at, content FROM level_evidence_files
		WHERE id = $1 AND system_id = $2 AND regime = $3 AND requirement = $4`, fid, systemID, regime, req).
		Scan(&f.ID, &f.Name, &f.Kind, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt, &f.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, fmt.Errorf("levels: evidence file %d of %s of system %d: %w", fid, req, systemID, store.ErrNotFound)
	}
	if err != nil {
		return File{}, fmt.Errorf("levels: evidence file %d of system %d: %w", fid, systemID, err)
	}
	return f, nil
}

// DeleteEvidence removes evidence file fid of requirement req of system
// systemID; audited with the file's name and SHA-256.
func (s *Service) DeleteEvidence(ctx context.Context, actor access.Actor, systemID int64, req string, fid int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, regime, err := s.evidenceWritable(ctx, tx, actor, systemID, req)
		if err != nil {
			return err
		}
		var a Attachment
		err = tx.QueryRowContext(ctx, `DELETE FROM level_evidence_files WHERE id = $1 AND system_id = $2 AND regime = $3 AND requirement = $4
			RETURNING name, kind, size, sha256`, fid, systemID, regime, req).Scan(&a.Name, &a.Kind, &a.Size, &a.SHA256)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("levels: evidence file %d of %s of system %d: %w", fid, req, systemID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("levels: delete evidence file %d of system %d: %w", fid, systemID, err)
		}
		return s.audit.Record(ctx, actor, "evidence.delete", "system", systemID, map[string]any{
			"regime": regime, "requirement": req, "file_id": fid, "name": a.Name, "kind": a.Kind, "size": a.Size, "sha256": a.SHA256}, nil)
	})
}
