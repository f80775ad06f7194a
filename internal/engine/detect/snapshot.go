package detect

import (
	"container/heap"
	"encoding/json"
	"fmt"
)

// snapshotVersion is the format of Snapshot's bytes.
const snapshotVersion = 1

type snapshot struct {
	Version int             `json:"v"`
	Now     int64           `json:"now"`
	Seq     uint64          `json:"seq"`
	Evicted uint64          `json:"evicted,omitempty"`
	Groups  []snapshotGroup `json:"groups"`
}

type snapshotGroup struct {
	Rule   string           `json:"rule"` // the correlation rule's id, name or title
	Type   string           `json:"type"`
	Vals   []string         `json:"vals"`
	Start  int64            `json:"start,omitempty"`
	Count  int              `json:"count,omitempty"`
	Times  []int64          `json:"times,omitempty"`
	Values map[string]int64 `json:"values,omitempty"`
	Last   []int64          `json:"last,omitempty"`
	Chain  [][]stamp        `json:"chain,omitempty"`
}

// Snapshot answers the correlation state as bytes (JSON), to be kept
// across a restart and given back to Restore.
func (c *Correlator) Snapshot() ([]byte, error) {
	s := snapshot{Version: snapshotVersion, Now: c.now, Seq: c.seq, Evicted: c.stats.Evicted}
	for el := c.lru.Back(); el != nil; el = el.Prev() { // oldest first, so Restore rebuilds the order
		g := el.Value.(*group)
		def := c.e.corrs[g.key.corr]
		s.Groups = append(s.Groups, snapshotGroup{Rule: def.rule.Ref(), Type: def.c.Type, Vals: g.vals, Start: g.start,
			Count: g.count, Times: g.times, Values: g.values, Last: g.last, Chain: g.chain})
	}
	return json.Marshal(s)
}

// Restore replaces the state with a Snapshot's. Groups of correlation
// rules that are no longer loaded (or changed type or group-by) are left
// out; the limits in force apply.
func (c *Correlator) Restore(data []byte) error {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("correlation state: %w", err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("correlation state: version %d, expected %d", s.Version, snapshotVersion)
	}
	byRef := map[string]int{}
	for i, d := range c.e.corrs {
		byRef[d.rule.Ref()] = i
	}
	fresh := c.e.NewCorrelator(c.lim)
	*c = *fresh
	c.now, c.seq, c.stats.Evicted = s.Now, s.Seq, s.Evicted
	for _, sg := range s.Groups {
		k, ok := byRef[sg.Rule]
		if !ok {
			continue
		}
		def := c.e.corrs[k]
		if def.c.Type != sg.Type || len(sg.Vals) != len(def.c.GroupBy) ||
			(sg.Last != nil && len(sg.Last) != len(def.inputs)) || (sg.Chain != nil && len(sg.Chain) != len(def.inputs)) {
			continue
		}
		g := c.touch(groupKey{corr: k, key: joinKey(sg.Vals)}, sg.Vals, def, 0)
		g.start, g.count = sg.Start, sg.Count
		g.times = sg.Times
		if sg.Values != nil {
			g.values = sg.Values
		}
		if sg.Last != nil {
			g.last = sg.Last
		}
		if sg.Chain != nil {
			g.chain = sg.Chain
		}
		if def.tumble && g.start != 0 {
			heap.Push(&c.due, deadline{at: g.start + def.timespan(), key: g.key, start: g.start})
		}
	}
	return nil
}
