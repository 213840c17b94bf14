package domain

import (
	"encoding/json"
	"time"
)

// AuditRecord is one change made through the admin API (seed 7.3): who (actor, role), on
// which brand, what (action, target), the state before and after (secrets masked, phone
// numbers masked), the request id and the time. Stored in WhatsAppBotAudit keyed (clientId,
// auditKey); Before and After are JSON, absent for a creation or a deletion respectively.
type AuditRecord struct {
	ClientID  string          `dynamodbav:"clientId" json:"clientId"`
	AuditKey  string          `dynamodbav:"auditKey" json:"-"`
	Day       string          `dynamodbav:"auditDay" json:"-"`
	At        time.Time       `dynamodbav:"at" json:"at"`
	Actor     string          `dynamodbav:"actor" json:"actor"`
	ActorSub  string          `dynamodbav:"actorSub" json:"actorSub"`
	Role      string          `dynamodbav:"role" json:"role"`
	Action    string          `dynamodbav:"action" json:"action"`
	Target    string          `dynamodbav:"target" json:"target"`
	Before    json.RawMessage `dynamodbav:"before,omitempty" json:"before,omitempty"`
	After     json.RawMessage `dynamodbav:"after,omitempty" json:"after,omitempty"`
	RequestID string          `dynamodbav:"requestId" json:"requestId"`
	TTL       int64           `dynamodbav:"ttl" json:"-"`
}
