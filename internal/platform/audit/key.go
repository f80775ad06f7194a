package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/khien-project/khien/internal/platform/store"
)

// KeySize is the length of a generated audit key, in bytes.
const KeySize = 32

// keyIDLabel is what a key's identifier is the HMAC of.
const keyIDLabel = "khien audit key id v1"

// Key is the secret the chain's links are keyed with (HMAC-SHA256). It
// is kept outside the database: whoever can write the database but does
// not hold the key cannot rewrite an entry and recompute the links after
// it.
type Key struct{ secret []byte }

// NewKey makes a key of secret, which must hold at least KeySize bytes.
func NewKey(secret []byte) (Key, error) {
	if len(secret) < KeySize {
		return Key{}, fmt.Errorf("audit: an audit key holds at least %d bytes, this one %d", KeySize, len(secret))
	}
	return Key{secret: append([]byte(nil), secret...)}, nil
}

// GenerateKey returns a new random key.
func GenerateKey() (Key, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("audit: generate a key: %w", err)
	}
	return Key{secret: b}, nil
}

// ParseKey reads a key written as text: hexadecimal (as in the key file)
// or base64.
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil {
		return NewKey(b)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			return NewKey(b)
		}
	}
	return Key{}, errors.New("audit: the audit key is neither hexadecimal nor base64")
}

// Text is the key as written in a key file and in KHIEN_AUDIT_KEY.
func (k Key) Text() string { return hex.EncodeToString(k.secret) }

// ID identifies the key without revealing it: the HMAC of a fixed label.
// It is what the database stores.
func (k Key) ID() string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(keyIDLabel))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// IsZero reports the absence of a key.
func (k Key) IsZero() bool { return len(k.secret) == 0 }

// ReadKeyFile reads the key in path (hexadecimal text, or the raw bytes).
func ReadKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, err
	}
	if k, err := ParseKey(string(b)); err == nil {
		return k, nil
	}
	if k, err := NewKey(b); err == nil {
		return k, nil
	}
	return Key{}, fmt.Errorf("audit: %s does not hold an audit key (%d hexadecimal characters)", path, 2*KeySize)
}

// CreateKeyFile writes a new random key to path, readable by its owner
// only; it refuses to replace a file that exists.
func CreateKeyFile(path string) (Key, error) {
	k, err := GenerateKey()
	if err != nil {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, fmt.Errorf("audit: create the key's folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Key{}, fmt.Errorf("audit: create the key file: %w", err)
	}
	if _, err := f.WriteString(k.Text() + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return Key{}, fmt.Errorf("audit: write the key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return Key{}, fmt.Errorf("audit: write the key file: %w", err)
	}
	return k, f.Close()
}

// KeySource says where a process finds the audit key.
type KeySource struct {
	// Text is the key itself (KHIEN_AUDIT_KEY); it wins over File.
	Text string
	// File is the key file (by default audit.key in the data folder).
	File string
	// Create lets a missing File be created, but only while the log has
	// no key yet (no key registered and no keyed entry): a new key for a
	// keyed log would fork its chain.
	Create bool
	// Optional lets a log that has no key yet be read without one (a
	// missing File then gives the zero Key, nil).
	Optional bool
}

// IsZero reports that no key was asked for (tests and tools that open
// the database without one).
func (s KeySource) IsZero() bool { return s.Text == "" && s.File == "" }

// KeyError is a key that cannot be used on this log: missing, or not the
// one its chain is keyed with. Its message is meant for the operator.
type KeyError struct{ Msg string }

func (e *KeyError) Error() string { return e.Msg }

// LoadKey finds the key src names for the log in db, creating the key
// file when src allows it and the log has no key yet.
func LoadKey(ctx context.Context, db *store.DB, src KeySource) (Key, error) {
	if src.Text != "" {
		k, err := ParseKey(src.Text)
		if err != nil {
			return Key{}, &KeyError{Msg: "KHIEN_AUDIT_KEY: " + strings.TrimPrefix(err.Error(), "audit: ")}
		}
		return k, nil
	}
	if src.File == "" {
		return Key{}, &KeyError{Msg: "no audit key: give --audit.key_file or KHIEN_AUDIT_KEY"}
	}
	k, err := ReadKeyFile(src.File)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	registered, keyed, err := keyState(ctx, db.Reader())
	if err != nil {
		return Key{}, err
	}
	if registered != "" || keyed > 0 {
		return Key{}, &KeyError{Msg: fmt.Sprintf("the audit log is keyed (key id %s, %d keyed entries) but there is no key file %s: "+
			"restore it from your backup, copy it from another khien machine, or give KHIEN_AUDIT_KEY / --audit.key_file; "+
			"khien does not create a new key for a keyed log, which would fork its chain", shortID(registered), keyed, src.File)}
	}
	if src.Optional {
		return Key{}, nil
	}
	if !src.Create {
		return Key{}, &KeyError{Msg: fmt.Sprintf("no audit key file %s (khien serve creates it at first start)", src.File)}
	}
	return CreateKeyFile(src.File)
}

// keyState returns the registered key id ("" if none) and how many
// entries are keyed.
func keyState(ctx context.Context, q store.Querier) (string, int64, error) {
	registered, err := registeredKeyID(ctx, q)
	if err != nil {
		return "", 0, err
	}
	var keyed int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE scheme = $1`, SchemeHMAC).Scan(&keyed); err != nil {
		return "", 0, fmt.Errorf("audit: count keyed entries: %w", err)
	}
	return registered, keyed, nil
}

func registeredKeyID(ctx context.Context, q store.Querier) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT key_id FROM audit_key WHERE id = 1`).Scan(&id)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("audit: read the key id: %w", err)
	}
	return id, nil
}

// Bind registers the log's key in the database if none is, and refuses
// a key that is not the registered one: call it at start-up, before the
// process appends.
func (l *Log) Bind(ctx context.Context) error {
	if l.key.IsZero() {
		return &KeyError{Msg: "audit: no key to bind"}
	}
	_, err := l.db.Writer().ExecContext(ctx, `INSERT INTO audit_key (id, key_id, at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, l.key.ID(), store.Now())
	if err != nil {
		return fmt.Errorf("audit: register the key id: %w", err)
	}
	return l.checkKeyID(ctx)
}

// checkKeyID refuses a key that is not the one registered (none
// registered passes).
func (l *Log) checkKeyID(ctx context.Context) error {
	registered, err := registeredKeyID(ctx, l.db.Reader())
	if err != nil || registered == "" || registered == l.key.ID() {
		return err
	}
	return &KeyError{Msg: fmt.Sprintf("this audit key (key id %s) is not the key the audit log is keyed with (key id %s): "+
		"give the key file the other khien machines use (--audit.key_file or KHIEN_AUDIT_KEY)", shortID(l.key.ID()), shortID(registered))}
}

// shortID is the part of a key id shown to people.
func shortID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	if id == "" {
		return "none"
	}
	return id
}
