package admin

import (
	"errors"
	"strings"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
)

// CustomerList is a page of a brand's customers (their phone mappings).
type CustomerList struct {
	Customers []domain.PhoneMapping `json:"customers"`
	// Next is the cursor of the next page (query parameter cursor); absent on the last.
	Next string `json:"next,omitempty"`
}

// CustomerMove moves a customer to another of the brand's stores.
type CustomerMove struct {
	StoreID string `json:"storeId"`
}

// OperatorMessage is a person's message to a customer.
type OperatorMessage struct {
	Body string `json:"body"`
}

// ConversationView is a customer's live conversation.
type ConversationView struct {
	Conversation *domain.Conversation `json:"conversation"`
}

// maxOperatorMessage is a WhatsApp message body's limit.
const maxOperatorMessage = 4096

// phone is the {phone} path parameter as a WhatsApp address: +5511... or whatsapp:+5511....
func (c *call) phone() (string, error) {
	p := strings.TrimSpace(c.param("phone"))
	if strings.HasPrefix(p, "+") {
		p = domain.WhatsAppPrefix + p
	}
	num, err := domain.ParseWhatsAppAddress(p)
	if err != nil {
		return "", domain.InvalidField("phone", "must be a WhatsApp number: +5511987654321")
	}
	return num, nil
}

func customerNotFound(err error) error {
	if domain.IsNotFound(err) {
		return errNotFound("no such customer")
	}
	return err
}

func (c *call) listCustomers() (any, error) {
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	page, next, err := c.h.d.Repos.PageMappings(c.ctx, c.clientID, c.query("cursor"), c.limit())
	if err != nil {
		return nil, err
	}
	// Test-chat customers are kept apart from real ones (the sandbox routes show them).
	items := make([]domain.PhoneMapping, 0, len(page))
	for _, m := range page {
		if !domain.IsSandboxNumber(m.PhoneNumber) {
			items = append(items, m)
		}
	}
	return CustomerList{Customers: items, Next: next}, nil
}

func (c *call) getCustomer() (any, error) {
	phone, err := c.phone()
	if err != nil {
		return nil, err
	}
	m, err := c.h.d.Repos.GetMapping(c.ctx, c.clientID, phone)
	if err != nil {
		return nil, customerNotFound(err)
	}
	return m, nil
}

func (c *call) moveCustomer() (any, error) {
	phone, err := c.phone()
	if err != nil {
		return nil, err
	}
	var in CustomerMove
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, in.StoreID)
	if err != nil {
		if domain.IsNotFound(err) || domain.ErrorCode(err) == domain.EINVALID {
			return nil, domain.InvalidField("storeId", "is not a store of the brand")
		}
		return nil, err
	}
	if !s.IsActive {
		return nil, domain.InvalidField("storeId", "the store is not active")
	}
	var before domain.PhoneMapping
	after, err := c.h.d.Repos.UpdateMapping(c.ctx, c.clientID, phone, func(m *domain.PhoneMapping) error {
		before = *m
		m.StoreID = s.StoreID
		return nil
	})
	if err != nil {
		return nil, customerNotFound(err)
	}
	c.audit(c.ctx, "customer.move", "brands/"+c.clientID+"/customers/"+phone, &before, after)
	return after, nil
}

func (c *call) deleteCustomer() (any, error) {
	phone, err := c.phone()
	if err != nil {
		return nil, err
	}
	before, err := c.h.d.Repos.GetMapping(c.ctx, c.clientID, phone)
	if err != nil {
		return nil, customerNotFound(err)
	}
	if err := c.h.d.Repos.DeleteMapping(c.ctx, c.clientID, phone); err != nil {
		return nil, customerNotFound(err)
	}
	c.audit(c.ctx, "customer.delete", "brands/"+c.clientID+"/customers/"+phone, before, nil)
	return nil, nil
}

func (c *call) getConversation() (any, error) {
	phone, err := c.phone()
	if err != nil {
		return nil, err
	}
	conv, err := c.h.d.Repos.GetConversation(c.ctx, c.clientID, phone)
	if err != nil {
		if domain.IsNotFound(err) {
			return nil, errNotFound("the customer has no live conversation")
		}
		return nil, err
	}
	return ConversationView{Conversation: conv}, nil
}

// conversationAction runs one of the engine's operator actions and audits it.
func (c *call) conversationAction(action string, run func(phone string) (*domain.Conversation, error)) (any, error) {
	if c.h.d.Operator == nil {
		return nil, errNotConfigured("the conversation engine")
	}
	phone, err := c.phone()
	if err != nil {
		return nil, err
	}
	before, err := c.h.d.Repos.GetConversation(c.ctx, c.clientID, phone)
	if err != nil {
		if domain.IsNotFound(err) {
			return nil, errNotFound("the customer has no live conversation")
		}
		return nil, err
	}
	after, err := run(phone)
	if err != nil {
		if domain.IsNotFound(err) {
			return nil, errNotFound("the customer has no live conversation")
		}
		return nil, err
	}
	c.audit(c.ctx, action, "brands/"+c.clientID+"/customers/"+phone+"/conversation", summary(before), summary(after))
	if after == nil {
		return nil, nil
	}
	return ConversationView{Conversation: after}, nil
}

// summary is what the audit keeps of a conversation: its state, not its messages.
func summary(c *domain.Conversation) any {
	if c == nil {
		return nil
	}
	return map[string]any{"sessionId": c.SessionID, "storeId": c.StoreID, "currentState": c.CurrentState, "cartLines": len(c.Cart), "version": c.Version}
}

func (c *call) resetConversation() (any, error) {
	return c.conversationAction("conversation.reset", func(phone string) (*domain.Conversation, error) {
		_, err := c.h.d.Operator.ResetConversation(c.ctx, c.clientID, phone)
		return nil, err // gone: 204, and the audit's after is empty
	})
}

func (c *call) handoffConversation() (any, error) {
	return c.conversationAction("conversation.handoff", func(phone string) (*domain.Conversation, error) {
		return c.h.d.Operator.Handoff(c.ctx, c.clientID, phone)
	})
}

func (c *call) resumeConversation() (any, error) {
	return c.conversationAction("conversation.resume", func(phone string) (*domain.Conversation, error) {
		return c.h.d.Operator.Resume(c.ctx, c.clientID, phone)
	})
}

func (c *call) sendOperatorMessage() (any, error) {
	var in OperatorMessage
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" || len([]rune(in.Body)) > maxOperatorMessage {
		return nil, domain.InvalidField("body", "is required, at most 4096 characters")
	}
	return c.conversationAction("conversation.message", func(phone string) (*domain.Conversation, error) {
		conv, err := c.h.d.Operator.OperatorMessage(c.ctx, c.clientID, phone, in.Body)
		// What WhatsApp's rules refuse is a conflict with the conversation's state, said as
		// it is (the sender's codes would read as a bad field, or as another brand's object).
		switch {
		case errors.Is(err, conversation.ErrTemplateRequired):
			return nil, errConflict("the customer's last message is more than 24 hours old: WhatsApp allows only an approved template until they write again")
		case errors.Is(err, conversation.ErrOptedOut):
			return nil, errConflict("the customer opted out of the brand's messages")
		case errors.Is(err, conversation.ErrClientInactive):
			return nil, errConflict("the brand is inactive: it sends no messages")
		}
		return conv, err
	})
}

// lgpdCustomer is the number of an LGPD request on an existing brand.
func (c *call) lgpdCustomer() (string, error) {
	if c.h.d.Privacy == nil {
		return "", errNotConfigured("LGPD requests")
	}
	phone, err := c.phone()
	if err != nil {
		return "", err
	}
	if _, err := c.brandExists(); err != nil {
		return "", err
	}
	return phone, nil
}

func (c *call) exportCustomer() (any, error) {
	phone, err := c.lgpdCustomer()
	if err != nil {
		return nil, err
	}
	out, err := c.h.d.Privacy.Export(c.ctx, c.clientID, phone)
	if err != nil {
		return nil, err
	}
	// Reading everything about a person is audited too (LGPD art. 37: records of processing).
	c.audit(c.ctx, "customer.export", "brands/"+c.clientID+"/customers/"+phone, nil, nil)
	return out, nil
}

func (c *call) eraseCustomer() (any, error) {
	phone, err := c.lgpdCustomer()
	if err != nil {
		return nil, err
	}
	rep, err := c.h.d.Privacy.EraseCustomer(c.ctx, c.clientID, phone)
	if err != nil {
		return nil, err
	}
	c.audit(c.ctx, "customer.erase", "brands/"+c.clientID+"/customers/"+phone, nil, rep)
	return rep, nil
}
