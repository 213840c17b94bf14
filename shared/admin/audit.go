package admin

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Every change writes an audit record after it succeeded: actor, role, brand, action,
// target, the object before and after, the request id and the time. Secrets never reach it
// (integrations are audited as their status: configured and last four characters), and
// phone numbers are masked in targets and bodies (an audit record outlives an LGPD erasure).
//
// A failed audit write does not undo the change (it happened): it is logged as an error
// with event resourcenames.EventAuditWriteFailed, which the CDK app's AuditWriteFailedAlarm
// watches (a metric filter on the admin function's log group).

// AuditList is a page of audit records, newest first.
type AuditList struct {
	Records []domain.AuditRecord `json:"records"`
	Next    string               `json:"next,omitempty"`
}

// secretKeys are JSON members whose values are secrets, wherever they appear.
var secretKeys = map[string]bool{"authToken": true, "apiKey": true, "webhookToken": true, "accountSid": true, "password": true}

// phoneKeys are JSON members that hold a customer's or a store's phone number.
var phoneKeys = map[string]bool{"phoneNumber": true, "customerPhone": true, "phone": true}

// masked returns v as JSON with secrets replaced and phone numbers masked.
func masked(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil
	}
	out, _ := json.Marshal(maskTree("", tree))
	return out
}

func maskTree(key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = maskTree(k, x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = maskTree(key, x)
		}
		return t
	case string:
		switch {
		case secretKeys[key] && t != "":
			return "********"
		case phoneKeys[key] || strings.HasPrefix(t, domain.WhatsAppPrefix):
			return domain.Mask(t)
		}
	}
	return v
}

// maskTarget masks the phone numbers in an audit target path.
func maskTarget(target string) string {
	parts := strings.Split(target, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "+") || strings.HasPrefix(p, domain.WhatsAppPrefix) {
			parts[i] = domain.Mask(p)
		}
	}
	return strings.Join(parts, "/")
}

// audit records a change made by this call on ctx's brand (c.clientID).
func (c *call) audit(ctx context.Context, action, target string, before, after any) {
	rec := &domain.AuditRecord{
		ClientID: c.clientID, At: c.h.d.now(), Actor: c.p.Username, ActorSub: c.p.Subject, Role: c.p.Role,
		Action: action, Target: maskTarget(target), Before: masked(before), After: masked(after), RequestID: c.reqID,
	}
	if err := c.h.d.Repos.AppendAudit(context.WithoutCancel(ctx), rec); err != nil {
		c.log.Error("admin: the audit record of a change could not be written", "event", resourcenames.EventAuditWriteFailed,
			"action", action, "error", err)
	}
}

func (c *call) listAudit() (any, error) {
	recs, next, err := c.h.d.Repos.ListAudit(c.ctx, c.clientID, c.query("cursor"), c.limit())
	if err != nil {
		return nil, err
	}
	return auditList(recs, next), nil
}

func (c *call) listAuditByDay() (any, error) {
	day := c.query("day")
	if day == "" {
		day = c.h.d.now().Format("2006-01-02")
	}
	recs, next, err := c.h.d.Repos.ListAuditByDay(c.ctx, day, c.query("cursor"), c.limit())
	if err != nil {
		return nil, err
	}
	return auditList(recs, next), nil
}

func auditList(recs []domain.AuditRecord, next string) AuditList {
	if recs == nil {
		recs = []domain.AuditRecord{}
	}
	return AuditList{Records: recs, Next: next}
}

// query returns a query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// limit is the page size asked for: 1..dynamo.MaxPage, dynamo.MaxPage when absent or out of range.
func (c *call) limit() int {
	n, err := strconv.Atoi(c.query("limit"))
	if err != nil || n <= 0 || n > dynamo.MaxPage {
		return dynamo.MaxPage
	}
	return n
}
