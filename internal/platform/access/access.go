// Package access defines who is acting (an Actor), the four roles and the
// agency scope rules that every feature package applies in its queries, so
// that no HTTP handler can forget them.
package access

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/store"
)

// Role is what a user may do.
type Role string

// The roles.
const (
	Admin   Role = "admin"   // provincial security office
	Analyst Role = "analyst" // security team: reads everything, works on security objects
	Agency  Role = "agency"  // an agency officer: own agency and its descendants only
	Auditor Role = "auditor" // reads everything, writes nothing
)

// Roles lists every role in display order.
var Roles = []Role{Admin, Analyst, Agency, Auditor}

// ParseRole checks s names a role.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: unknown role %q (admin, analyst, agency, auditor)", store.ErrInvalid, s)
}

// Actor is the authenticated caller of a feature-layer function. The zero
// Actor is anonymous and may do nothing.
type Actor struct {
	UserID   int64
	Username string
	Role     Role
	// AgencyID and AgencyPath bound an agency user's scope: the agency and
	// every agency whose path starts with AgencyPath.
	AgencyID   int64
	AgencyPath string
}

// System is the actor used by the platform itself (migrations, demo data,
// schedulers, the command line run by the machine's operator).
var System = Actor{Username: "system", Role: Admin}

// Authenticated reports whether a is a logged-in user or the system.
func (a Actor) Authenticated() bool { return a.Role != "" }

// Scoped reports whether a only sees part of the agency tree.
func (a Actor) Scoped() bool { return a.Role == Agency }

// CanRead reports whether a may read registry data at all.
func (a Actor) CanRead() bool { return a.Authenticated() }

// CanWriteRegistry reports whether a may change agencies and systems
// (within its scope).
func (a Actor) CanWriteRegistry() bool { return a.Role == Admin || a.Role == Agency }

// CanWriteSecurity reports whether a may work on security objects
// (scans, alerts, incidents, findings).
func (a Actor) CanWriteSecurity() bool { return a.Role == Admin || a.Role == Analyst }

// CanPurgeSystems reports whether a may restore archived systems, and
// purge them with everything recorded about them.
func (a Actor) CanPurgeSystems() bool { return a.Role == Admin }

// CanManageUsers reports whether a may create and change users.
func (a Actor) CanManageUsers() bool { return a.Role == Admin }

// CanGrantLabels reports whether a may grant, restore, suspend and revoke
// trust labels.
func (a Actor) CanGrantLabels() bool { return a.Role == Admin }

// CanManagePolicy reports whether a may change the trust-label policies.
func (a Actor) CanManagePolicy() bool { return a.Role == Admin }

// CanManageNotifications reports whether a may see and change where
// notifications go (e-mail addresses, webhooks and their secrets).
func (a Actor) CanManageNotifications() bool { return a.Role == Admin }

// CanMuteProvince reports whether a may open a maintenance window that
// covers every site of the province.
func (a Actor) CanMuteProvince() bool { return a.Role == Admin }

// CanProbeSites reports whether a may run a monitoring probe by hand
// (within its scope).
func (a Actor) CanProbeSites() bool { return a.CanWriteSecurity() }

// CanAcknowledgeAlerts reports whether a may mark monitoring alerts seen:
// the security office, and an agency's officers for their own sites (the
// scope still applies); auditors only read.
func (a Actor) CanAcknowledgeAlerts() bool {
	return a.Role == Admin || a.Role == Analyst || a.Role == Agency
}

// CanReadAudit reports whether a may browse the audit log.
func (a Actor) CanReadAudit() bool { return a.Role == Admin || a.Role == Auditor }

// InScope reports whether an agency with the given materialised path lies
// within a's scope.
func (a Actor) InScope(agencyPath string) bool {
	if !a.Authenticated() {
		return false
	}
	if !a.Scoped() {
		return true
	}
	return a.AgencyPath != "" && strings.HasPrefix(agencyPath, a.AgencyPath)
}

// PathFilter returns an SQL condition, with '?' placeholders for
// store.Where, limiting the materialised agency path in column col to a's
// scope, and its arguments. Unscoped actors get "1=1"; anonymous actors a
// condition that matches nothing.
func (a Actor) PathFilter(col string) (string, []any) {
	switch {
	case !a.Authenticated():
		return "1=0", nil
	case !a.Scoped():
		return "1=1", nil
	}
	return SubtreeCondition(col, a.AgencyPath)
}

// SubtreeCondition is the condition "col lies within the subtree whose root
// has path root" as a range, which indexes serve on both engines: every
// path in the subtree starts with root ("/1/5/"), and sorts before root
// with its final '/' raised to '0' ("/1/50" and up are other agencies).
func SubtreeCondition(col, root string) (string, []any) {
	if !strings.HasSuffix(root, "/") {
		return "1=0", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{root, root[:len(root)-1] + "0"}
}

// AgencyPath builds the materialised path of an agency from its parent's
// path ("" for a root) and its own id: "/1/5/12/".
func AgencyPath(parentPath string, id int64) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + strconv.FormatInt(id, 10) + "/"
}
