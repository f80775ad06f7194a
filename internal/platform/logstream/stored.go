package logstream

import (
	"context"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
)

// Stored is what the event store (the logstore feature) offers other
// features, through internal/app: the events it kept recently, in an
// actor's agency scope, newest first. The alerts feature's "test this
// rule over the last hour of stored events" takes one.
type Stored interface {
	Recent(ctx context.Context, actor access.Actor, within time.Duration, limit int) ([]Record, error)
}
