package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestPhoneMappingValidate(t *testing.T) {
	t.Parallel()
	valid := func() domain.PhoneMapping {
		return domain.PhoneMapping{ClientID: "demo-pizzaria", PhoneNumber: "whatsapp:+5511987654321", StoreID: "centro"}
	}
	tests := []struct {
		name    string
		modify  func(*domain.PhoneMapping)
		wantErr bool
		want    string // PhoneNumber after a successful Validate
	}{
		{name: "valid", modify: func(*domain.PhoneMapping) {}, want: "whatsapp:+5511987654321"},
		{name: "number normalised", modify: func(m *domain.PhoneMapping) { m.PhoneNumber = " WHATSAPP:+5511987654321" }, want: "whatsapp:+5511987654321"},
		{name: "bad client id", modify: func(m *domain.PhoneMapping) { m.ClientID = "demo_pizzaria" }, wantErr: true},
		{name: "empty client id", modify: func(m *domain.PhoneMapping) { m.ClientID = "" }, wantErr: true},
		{name: "bare number", modify: func(m *domain.PhoneMapping) { m.PhoneNumber = "+5511987654321" }, wantErr: true},
		{name: "empty number", modify: func(m *domain.PhoneMapping) { m.PhoneNumber = "" }, wantErr: true},
		{name: "no store chosen yet", modify: func(m *domain.PhoneMapping) { m.StoreID = "" }, want: "whatsapp:+5511987654321"},
		{name: "bad store id", modify: func(m *domain.PhoneMapping) { m.StoreID = "Centro" }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := valid()
			tt.modify(&m)
			err := m.Validate()
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("Validate() error = %v", err)
			}
			if m.PhoneNumber != tt.want {
				t.Errorf("PhoneNumber = %q, want %q", m.PhoneNumber, tt.want)
			}
		})
	}
}

func validConversation() domain.Conversation {
	return domain.Conversation{
		ClientID:     "demo-pizzaria",
		PhoneNumber:  "whatsapp:+5511987654321",
		SessionID:    "s-1",
		CurrentState: domain.StateGreeting,
		Language:     domain.PtBR,
	}
}

func TestConversationValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		modify  func(*domain.Conversation)
		wantErr bool
	}{
		{name: "valid", modify: func(*domain.Conversation) {}},
		{name: "with store", modify: func(c *domain.Conversation) { c.StoreID = "centro" }},
		{name: "no language", modify: func(c *domain.Conversation) { c.Language = "" }},
		{name: "language other spelling", modify: func(c *domain.Conversation) { c.Language = "en_us" }},
		{name: "bad client id", modify: func(c *domain.Conversation) { c.ClientID = "-demo" }, wantErr: true},
		{name: "bad number", modify: func(c *domain.Conversation) { c.PhoneNumber = "whatsapp:+0123" }, wantErr: true},
		{name: "bare number", modify: func(c *domain.Conversation) { c.PhoneNumber = "+5511987654321" }, wantErr: true},
		{name: "no session", modify: func(c *domain.Conversation) { c.SessionID = "" }, wantErr: true},
		{name: "bad store id", modify: func(c *domain.Conversation) { c.StoreID = "Centro" }, wantErr: true},
		{name: "no state", modify: func(c *domain.Conversation) { c.CurrentState = "" }, wantErr: true},
		{name: "unsupported language", modify: func(c *domain.Conversation) { c.Language = "fr-FR" }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validConversation()
			tt.modify(&c)
			err := c.Validate()
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("Validate() error = %v", err)
			}
		})
	}
}

func TestConversationValidateNormalisesNumber(t *testing.T) {
	t.Parallel()
	c := validConversation()
	c.PhoneNumber = "  WhatsApp:+5511987654321 "
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() error = %v", err)
	}
	if c.PhoneNumber != "whatsapp:+5511987654321" {
		t.Errorf("PhoneNumber = %q, want canonical", c.PhoneNumber)
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, time.March, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ttl  int64
		now  time.Time
		want bool
	}{
		{name: "zero ttl never expires", ttl: 0, now: now, want: false},
		{name: "zero ttl far in the future", ttl: 0, now: now.AddDate(100, 0, 0), want: false},
		{name: "negative ttl treated as none", ttl: -1, now: now, want: false},
		{name: "one second before", ttl: now.Unix() + 1, now: now, want: false},
		{name: "half a second before", ttl: now.Unix() + 1, now: now.Add(500 * time.Millisecond), want: false},
		{name: "exactly at ttl", ttl: now.Unix(), now: now, want: true},
		{name: "after ttl", ttl: now.Unix() - 1, now: now, want: true},
		{name: "long past", ttl: 1, now: now, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := domain.Expired(tt.ttl, tt.now); got != tt.want {
				t.Errorf("Expired(%d, %v) = %v, want %v", tt.ttl, tt.now, got, tt.want)
			}
			c := domain.Conversation{TTL: tt.ttl}
			if got := c.Expired(tt.now); got != tt.want {
				t.Errorf("Conversation.Expired(%v) with TTL %d = %v, want %v", tt.now, tt.ttl, got, tt.want)
			}
		})
	}
}

func TestConversationTouch(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, time.March, 3, 12, 0, 0, 0, time.UTC)
	c := validConversation()
	c.TTL = now.Add(-time.Hour).Unix() // expired before the touch
	c.Touch(now)
	if !c.LastInteraction.Equal(now) {
		t.Errorf("LastInteraction = %v, want %v", c.LastInteraction, now)
	}
	if want := now.Add(24 * time.Hour).Unix(); c.TTL != want {
		t.Errorf("TTL = %d, want now+24h = %d", c.TTL, want)
	}
	if c.Expired(now.Add(24*time.Hour - time.Second)) {
		t.Errorf("expired one second before 24h")
	}
	if !c.Expired(now.Add(24 * time.Hour)) {
		t.Errorf("not expired at 24h")
	}
}

// The TTL counts from the customer's last message, not from when it was processed: a message
// that waited an hour in the queue leaves the conversation 23 hours, as WhatsApp's window.
func TestConversationTouchCountsFromTheLastMessage(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, time.March, 3, 12, 0, 0, 0, time.UTC)
	processed := sent.Add(time.Hour)
	c := validConversation()
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi", At: sent})
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: "Olá!", At: processed})
	c.Touch(processed)
	if c.LastMessageTimestamp != sent.UnixMilli() {
		t.Errorf("lastMessageTimestamp = %d, want the inbound message's %d (epoch ms)", c.LastMessageTimestamp, sent.UnixMilli())
	}
	if want := sent.Add(24 * time.Hour).Unix(); c.TTL != want {
		t.Errorf("TTL = %d, want last message + 24h = %d", c.TTL, want)
	}
	// Processed after the window closed (a redrive a day later): not born expired.
	redriven := sent.Add(25 * time.Hour)
	c.Touch(redriven)
	if want := redriven.Add(domain.MinConversationLife).Unix(); c.TTL != want {
		t.Errorf("TTL after a late touch = %d, want now + MinConversationLife = %d", c.TTL, want)
	}
}

func TestConversationAppendHistory(t *testing.T) {
	t.Parallel()
	base := time.Date(2025, time.March, 3, 12, 0, 0, 0, time.UTC)
	entry := func(i int, dir string) domain.HistoryEntry {
		return domain.HistoryEntry{Direction: dir, Body: fmt.Sprintf("m%d", i), At: base.Add(time.Duration(i) * time.Second)}
	}

	t.Run("keeps the last MaxHistory in order", func(t *testing.T) {
		t.Parallel()
		var c domain.Conversation
		const total = domain.MaxHistory + 7
		for i := range total {
			c.AppendHistory(entry(i, domain.Outbound))
			if want := min(i+1, domain.MaxHistory); len(c.MessageHistory) != want {
				t.Fatalf("after %d appends len = %d, want %d", i+1, len(c.MessageHistory), want)
			}
		}
		for j, e := range c.MessageHistory {
			if want := fmt.Sprintf("m%d", total-domain.MaxHistory+j); e.Body != want {
				t.Fatalf("MessageHistory[%d].Body = %q, want %q", j, e.Body, want)
			}
		}
	})

	t.Run("last message timestamp moves on inbound only", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name    string
			entries []domain.HistoryEntry
			want    time.Time
		}{
			{name: "no entries", want: time.Time{}},
			{name: "outbound only", entries: []domain.HistoryEntry{entry(1, domain.Outbound), entry(2, domain.Outbound)}, want: time.Time{}},
			{name: "one inbound", entries: []domain.HistoryEntry{entry(1, domain.Inbound)}, want: entry(1, "").At},
			{name: "outbound after inbound", entries: []domain.HistoryEntry{entry(1, domain.Inbound), entry(5, domain.Outbound)}, want: entry(1, "").At},
			{name: "later inbound", entries: []domain.HistoryEntry{entry(1, domain.Inbound), entry(3, domain.Inbound)}, want: entry(3, "").At},
			{name: "older inbound does not move it back", entries: []domain.HistoryEntry{entry(3, domain.Inbound), entry(1, domain.Inbound)}, want: entry(3, "").At},
			{name: "unknown direction ignored", entries: []domain.HistoryEntry{entry(1, "IN")}, want: time.Time{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var c domain.Conversation
				for _, e := range tt.entries {
					c.AppendHistory(e)
				}
				if !c.LastMessageAt().Equal(tt.want) {
					t.Errorf("LastMessageTimestamp = %v, want %v", c.LastMessageTimestamp, tt.want)
				}
				if len(c.MessageHistory) != len(tt.entries) {
					t.Errorf("len(MessageHistory) = %d, want %d", len(c.MessageHistory), len(tt.entries))
				}
			})
		}
	})
}

func TestConversationCartTotalCents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cart []domain.CartItem
		want int64
	}{
		{name: "empty", cart: nil, want: 0},
		{name: "one item", cart: []domain.CartItem{{ItemID: "p1", Quantity: 1, UnitPriceCents: 4590}}, want: 4590},
		{name: "quantities", cart: []domain.CartItem{
			{ItemID: "p1", Quantity: 2, UnitPriceCents: 4590},
			{ItemID: "r1", Quantity: 3, UnitPriceCents: 800},
		}, want: 2*4590 + 3*800},
		{name: "zero quantity", cart: []domain.CartItem{{ItemID: "p1", Quantity: 0, UnitPriceCents: 4590}}, want: 0},
		{name: "large amounts do not overflow int32", cart: []domain.CartItem{{ItemID: "x", Quantity: 1000, UnitPriceCents: 5_000_000}}, want: 5_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := domain.Conversation{Cart: tt.cart}
			if got := c.CartTotalCents(); got != tt.want {
				t.Errorf("CartTotalCents() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBoundHistory(t *testing.T) {
	t.Parallel()
	kb := strings.Repeat("x", 1000)
	c := &domain.Conversation{}
	for i := range 10 {
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: fmt.Sprintf("%d%s", i, kb)})
	}
	c.BoundHistory(1)
	if b := c.HistoryBytes(); b > domain.MaxHistoryBytes {
		t.Errorf("history of %d bytes after BoundHistory, want at most %d", b, domain.MaxHistoryBytes)
	}
	if len(c.MessageHistory) == 0 || !strings.HasPrefix(c.MessageHistory[len(c.MessageHistory)-1].Body, "9") {
		t.Errorf("the newest entry was dropped")
	}
	first := c.MessageHistory[0].Body[:1]
	// The last turn is kept whole, even over the bound.
	big := &domain.Conversation{}
	for i := range 3 {
		big.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: fmt.Sprintf("old %d", i)})
	}
	for range 6 {
		big.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: kb})
	}
	big.BoundHistory(6)
	if len(big.MessageHistory) != 6 || strings.HasPrefix(big.MessageHistory[0].Body, "old") {
		t.Errorf("kept %d entries, want exactly the last turn's 6", len(big.MessageHistory))
	}
	if first == "0" {
		t.Errorf("nothing was dropped")
	}
}
