package levels

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Attachments of a dossier are documents only: PDF, DOCX and ODT, told
// by their content (not their name or the browser's type), at most
// MaxAttachment bytes, stored with their SHA-256 and served back only as
// a download.

// MaxAttachment is the largest attachment accepted.
const MaxAttachment = 10 << 20

// Attachment is a file attached to a dossier, or an evidence file of an
// assessment (without its content).
type Attachment struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	UploadedBy string `json:"uploaded_by"`
	CreatedAt  string `json:"created_at"`
}

// File is an attachment with its content, for a download.
type File struct {
	Attachment
	Content []byte
}

// kindExt are the accepted kinds and the file-name ending of each.
var kindExt = map[string]string{"pdf": ".pdf", "docx": ".docx", "odt": ".odt"}

// sniff tells a document's kind from its bytes: "" when it is none of
// the accepted kinds. DOCX and ODT are ZIP files; only their directory
// and ODT's small mimetype entry are read, never the whole archive.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "pdf"
	case !bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return ""
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	has := map[string]*zip.File{}
	for _, f := range zr.File {
		has[f.Name] = f
	}
	if f := has["mimetype"]; f != nil && f.UncompressedSize64 < 100 {
		rc, err := f.Open()
		if err == nil {
			mt, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if string(mt) == "application/vnd.oasis.opendocument.text" {
				return "odt"
			}
		}
	}
	if has["[Content_Types].xml"] != nil && has["word/document.xml"] != nil {
		return "docx"
	}
	return ""
}

// attachmentName checks an uploaded file's name and its kind against its
// content.
func attachmentName(name string, data []byte) (string, string, error) {
	var e valid.Errors
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" {
		name = ""
	}
	e.Text("name", name, true, 200, false)
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		e.Add("name", "contains control characters", "chứa ký tự điều khiển")
	}
	if len(data) == 0 {
		e.Add("file", "the file is empty", "tệp rỗng")
	}
	if len(data) > MaxAttachment {
		e.Add("file", fmt.Sprintf("the file is larger than %d MiB", MaxAttachment>>20), fmt.Sprintf("tệp lớn hơn %d MiB", MaxAttachment>>20))
	}
	if err := e.Err(); err != nil {
		return "", "", err
	}
	kind := sniff(data)
	if kind == "" {
		e.Add("file", "only PDF, DOCX and ODT documents are accepted, and this file's content is none of them",
			"chỉ nhận tài liệu PDF, DOCX hoặc ODT, và nội dung tệp này không phải loại nào trong số đó")
	} else if !strings.HasSuffix(strings.ToLower(name), kindExt[kind]) {
		e.Add("name", fmt.Sprintf("the file's content is %s, but its name does not end in %s", strings.ToUpper(kind), kindExt[kind]),
			fmt.Sprintf("nội dung tệp là %s nhưng tên tệp không kết thúc bằng %s", strings.ToUpper(kind), kindExt[kind]))
	}
	return name, kind, e.Err()
}

// document checks an uploaded file as attachmentName does and describes
// it as uploaded now by actor, with its SHA-256 (no id yet): the one
// check of dossier attachments and evidence files alike.
func (s *Service) document(actor access.Actor, name string, data []byte) (Attachment, error) {
	clean, kind, err := attachmentName(name, data)
	if err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(data)
	return Attachment{Name: clean, Kind: kind, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedBy: actor.Username, CreatedAt: store.FormatTime(s.clock())}, nil
}

// Attach adds a document to dossier id: by its agency (officers, admins)
// while it is a draft or returned, by the province office (analysts,
// admins) while it is submitted or under appraisal (their opinion);
// audited with its SHA-256.
func (s *Service) Attach(ctx context.Context, actor access.Actor, id int64, name string, data []byte) (Attachment, error) {
	var a Attachment
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.dossier(ctx, actor, id)
		if err != nil {
			return err
		}
		if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
			return fmt.Errorf("levels: %s may not attach files: %w", actor.Role, store.ErrForbidden)
		}
		switch {
		case d.archived:
			return conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
		case d.State == DossierApproved:
			return conflict("state", "the dossier is approved: nothing can be attached any more", "hồ sơ đã được phê duyệt: không thể đính kèm thêm")
		case (d.State == DossierDraft || d.State == DossierReturned) && !ownerSide(actor),
			(d.State == DossierSubmitted || d.State == DossierAppraisal) && !officeSide(actor):
			return fmt.Errorf("levels: %s may not attach to a %s dossier: %w", actor.Role, d.State, store.ErrForbidden)
		}
		a, err = s.document(actor, name, data)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dossier_attachments (dossier_id, name, kind, size, sha256, content, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, a.Name, a.Kind, a.Size, a.SHA256, data, a.UploadedBy, a.CreatedAt).Scan(&a.ID); err != nil {
			return fmt.Errorf("levels: attach to dossier %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, "dossier.attach", "level_dossier", id, nil, map[string]any{
			"attachment_id": a.ID, "name": a.Name, "kind": a.Kind, "size": a.Size, "sha256": a.SHA256})
	})
	return a, err
}

// AttachmentFile returns attachment aid of dossier id with its content,
// if the dossier lies in actor's scope.
func (s *Service) AttachmentFile(ctx context.Context, actor access.Actor, id, aid int64) (File, error) {
	if _, err := s.dossier(ctx, actor, id); err != nil {
		return File{}, err
	}
	var f File
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, name, kind, size, sha256, uploaded_by, created_at, content FROM dossier_attachments WHERE id = $1 AND dossier_id = $2`,
		aid, id).Scan(&f.ID, &f.Name, &f.Kind, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt, &f.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, fmt.Errorf("levels: attachment %d of dossier %d: %w", aid, id, store.ErrNotFound)
	}
	if err != nil {
		return File{}, fmt.Errorf("levels: attachment %d of dossier %d: %w", aid, id, err)
	}
	return f, nil
}

func (s *Service) attachments(ctx context.Context, q store.Querier, id int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, kind, size, sha256, uploaded_by, created_at FROM dossier_attachments WHERE dossier_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("levels: attachments of dossier %d: %w", id, err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Name, &a.Kind, &a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
