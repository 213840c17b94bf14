package conversation

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Operator actions: what a person at the brand does to a customer's live conversation
// through the admin API. Each takes the brand and the customer's WhatsApp address, refuses
// (EFORBIDDEN) a context that carries another tenant, returns ENOTFOUND when the customer has
// no live conversation, and changes the conversation with the repository's versioned update
// (UpdateConversation), so a turn running at the same time is never lost.

// OperatorMessageSid is the MessageSid of a history entry an operator sent
// (Service.OperatorMessage): an outbound entry with it is a person's message, the bot's
// replies have none. A redelivered customer message never sends it again as a reply.
const OperatorMessageSid = "operator"

// ResetConversation deletes the customer's live conversation (state, cart, history): their
// next message starts a new one with the store of their mapping, which stays (as does an
// opt-out). It returns the conversation as it was when deleted.
func (s *Service) ResetConversation(ctx context.Context, clientID, phone string) (*domain.Conversation, error) {
	ctx, phone, err := s.operatorTarget(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	conv, err := s.liveConversation(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	if err := s.d.Conversations.DeleteConversation(ctx, clientID, phone); err != nil {
		return nil, fmt.Errorf("conversation: delete: %w", err)
	}
	s.log.InfoContext(ctx, "conversation reset by an operator", "clientId", clientID, "from", domain.Mask(phone),
		"storeId", conv.StoreID, "sessionId", conv.SessionID)
	return conv, nil
}

// Handoff puts the conversation in HANDOFF as if the customer had asked for a person: the
// bot stays silent until Resume, or HandoffTimeout after the operator's last message
// (OperatorMessage keeps it quiet while they write). Nothing is sent to the customer: the
// operator writes. Handing off a conversation already in HANDOFF only restarts the timeout
// and is not counted again.
func (s *Service) Handoff(ctx context.Context, clientID, phone string) (*domain.Conversation, error) {
	ctx, phone, err := s.operatorTarget(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var handedOff bool
	c, err := s.d.Conversations.UpdateConversation(ctx, clientID, phone, func(c *domain.Conversation) error {
		handedOff = c.CurrentState != domain.StateHandoff
		if c.Context == nil {
			c.Context = map[string]string{}
		}
		c.CurrentState = domain.StateHandoff
		c.Context[ctxHandoffAt] = now.Format(time.RFC3339)
		delete(c.Context, ctxAwait)
		delete(c.Context, ctxBotBack)
		delete(c.Context, ctxEraseAsked)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if handedOff {
		s.n.handoffs.Add(1)
		s.d.Metrics.Count(ctx, resourcenames.MetricHandoffs, 1, metrics.Dims{ClientID: clientID, StoreID: c.StoreID})
		s.log.InfoContext(ctx, "conversation handed to a person by an operator", "clientId", clientID, "from", domain.Mask(phone), "storeId", c.StoreID)
	}
	return c, nil
}

// Resume gives a conversation in HANDOFF back to the bot (an operator is done): it returns
// to its resting state (CART with a cart, else MENU_BROWSING). The customer is not sent
// anything now (an unsolicited message could land outside WhatsApp's window, or after the
// operator's goodbye); the bot's next reply to them starts by saying it is back (bot_back).
// EINVALID when the conversation is not in HANDOFF.
func (s *Service) Resume(ctx context.Context, clientID, phone string) (*domain.Conversation, error) {
	ctx, phone, err := s.operatorTarget(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	return s.d.Conversations.UpdateConversation(ctx, clientID, phone, func(c *domain.Conversation) error {
		if c.CurrentState != domain.StateHandoff {
			return domain.Errorf(domain.EINVALID, "the conversation is %s, not HANDOFF", c.CurrentState)
		}
		if c.Context == nil {
			c.Context = map[string]string{}
		}
		delete(c.Context, ctxHandoffAt)
		c.Context[ctxBotBack] = "1"
		if len(c.Cart) > 0 {
			c.CurrentState = domain.StateCart
		} else {
			c.CurrentState = domain.StateMenuBrowsing
		}
		return nil
	})
}

// OperatorMessage sends a person's message to the customer from the brand's number, under
// the rules of Notify: refused with ErrTemplateRequired outside WhatsApp's 24-hour window
// (free text only), ErrOptedOut when the customer opted out, ErrClientInactive for an
// inactive brand. Once sent, it is recorded in the conversation's history as an outbound
// entry with MessageSid OperatorMessageSid; a conversation in HANDOFF restarts its timeout.
// EINVALID for an empty body or one longer than one WhatsApp message (notify.MaxBodyChars).
// Should the conversation expire between the send and the record, the message went and
// OperatorMessage returns a nil conversation and no error.
func (s *Service) OperatorMessage(ctx context.Context, clientID, phone, body string) (*domain.Conversation, error) {
	ctx, phone, err := s.operatorTarget(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	switch n := len(utf16.Encode([]rune(body))); {
	case n == 0:
		return nil, domain.InvalidField("body", "a message is required")
	case n > notify.MaxBodyChars:
		return nil, domain.InvalidField("body", "at most %d characters (one WhatsApp message), got %d", notify.MaxBodyChars, n)
	}
	conv, err := s.liveConversation(ctx, clientID, phone)
	if err != nil {
		return nil, err
	}
	client, err := s.dir.Brand(ctx, clientID)
	if err != nil {
		return nil, fmt.Errorf("conversation: client %q: %w", clientID, err)
	}
	ctx = metrics.WithStore(ctx, conv.StoreID)
	if err := s.sender.Notify(ctx, client, phone, notify.Text(body)); err != nil {
		return nil, err
	}
	now := s.now()
	c, err := s.d.Conversations.UpdateConversation(ctx, clientID, phone, func(c *domain.Conversation) error {
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: body, At: now, MessageSid: OperatorMessageSid})
		if c.CurrentState == domain.StateHandoff {
			if c.Context == nil {
				c.Context = map[string]string{}
			}
			c.Context[ctxHandoffAt] = now.Format(time.RFC3339)
		}
		c.Touch(now)
		c.BoundHistory(1)
		return nil
	})
	switch {
	case domain.IsNotFound(err):
		s.log.WarnContext(ctx, "operator message sent; the conversation expired before it was recorded", "clientId", clientID, "from", domain.Mask(phone))
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("conversation: record the operator's message (it was sent): %w", err)
	}
	return c, nil
}

// operatorTarget checks the tenant and the customer's address of an operator action.
func (s *Service) operatorTarget(ctx context.Context, clientID, phone string) (context.Context, string, error) {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return nil, "", err
	}
	phone, err = domain.ParseWhatsAppAddress(phone)
	if err != nil {
		return nil, "", err
	}
	return ctx, phone, nil
}

// liveConversation is the customer's live conversation, ENOTFOUND when there is none.
func (s *Service) liveConversation(ctx context.Context, clientID, phone string) (*domain.Conversation, error) {
	conv, err := s.getConversation(ctx, clientID, phone)
	if err != nil {
		return nil, fmt.Errorf("conversation: read: %w", err)
	}
	if conv == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "the customer %s has no live conversation with %s", domain.Mask(phone), clientID)
	}
	return conv, nil
}
