package admin

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// OrderList is a store's orders of one status (or all), newest first.
type OrderList struct {
	Orders []domain.Order `json:"orders"`
	// Truncated says the list stopped at the page cap: narrow it with status.
	Truncated bool `json:"truncated,omitempty"`
}

// ConversationList is a store's live conversations, latest message first.
type ConversationList struct {
	Conversations []domain.ConversationSummary `json:"conversations"`
	Truncated     bool                         `json:"truncated,omitempty"`
}

// QueueList is the depths of a brand's store queues and their dead-letter queues.
type QueueList struct {
	Stores []StoreQueues `json:"stores"`
}

// StoreQueues is one store's POS queue and its dead-letter queue.
type StoreQueues struct {
	StoreID     string     `json:"storeId"`
	Queue       QueueDepth `json:"queue"`
	DeadLetters QueueDepth `json:"deadLetters"`
	Error       string     `json:"error,omitempty"`
}

// PlatformQueues is the inbound dead-letter queue's depth.
type PlatformQueues struct {
	InboundDeadLetters QueueDepth `json:"inboundDeadLetters"`
}

// listCap bounds the lists that are not paginated (a store's orders of a status, its live
// conversations): they read every shard of their index; past the cap, truncated is set.
const listCap = 500

func (c *call) listOrders() (any, error) {
	storeID := c.param("storeId")
	if _, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, storeID); err != nil {
		return nil, storeNotFound(err)
	}
	status := domain.OrderStatus(c.query("status"))
	if status != "" && !status.Valid() {
		return nil, domain.InvalidField("status", "must be one of CREATED, AWAITING_PAYMENT, CONFIRMED, SENT_TO_POS, CANCELLED")
	}
	orders, err := c.h.d.Repos.ListStoreOrders(c.ctx, c.clientID, storeID, status) // "": every status
	if err != nil {
		return nil, err
	}
	// Test-chat orders are kept apart from real ones unless asked for (tests=true).
	if c.query("tests") != "true" {
		orders = slices.DeleteFunc(orders, func(o domain.Order) bool { return o.Test })
	}
	sort.SliceStable(orders, func(i, j int) bool { return orders[i].CreatedAt.After(orders[j].CreatedAt) })
	out := OrderList{Orders: orders}
	if len(out.Orders) > listCap {
		out.Orders, out.Truncated = out.Orders[:listCap], true
	}
	if out.Orders == nil {
		out.Orders = []domain.Order{}
	}
	return out, nil
}

func (c *call) getOrder() (any, error) {
	o, err := c.h.d.Repos.GetOrder(c.ctx, c.clientID, c.param("orderId"))
	if err != nil {
		if domain.IsNotFound(err) || domain.ErrorCode(err) == domain.EINVALID {
			return nil, errNotFound("no such order")
		}
		return nil, err
	}
	return o, nil
}

// OrderCancel is the body of POST .../orders/{orderId}/cancel.
type OrderCancel struct {
	// Reason is why the order is cancelled: kept in the order's status history and sent to
	// the store's point of sale with the cancellation.
	Reason string `json:"reason"`
}

// maxCancelReason bounds a cancellation's reason, in characters.
const maxCancelReason = 200

// cancelOrder cancels an order through the conversation engine, which removes its unpaid
// charge or refunds its payment, tells the store's POS if the order had reached it, and tells
// the customer. An order already cancelled comes back unchanged.
func (c *call) cancelOrder() (any, error) {
	if c.h.d.Operator == nil {
		return nil, errNotConfigured("the conversation engine")
	}
	var in OrderCancel
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(in.Reason); n == 0 || n > maxCancelReason {
		return nil, domain.InvalidField("reason", "is required, 1 to %d characters", maxCancelReason)
	}
	orderID := c.param("orderId")
	before, err := c.getOrder()
	if err != nil {
		return nil, err
	}
	after, err := c.h.d.Operator.CancelOrder(c.ctx, c.clientID, orderID, in.Reason)
	if err != nil {
		if domain.IsNotFound(err) {
			return nil, errNotFound("no such order")
		}
		return nil, err
	}
	c.audit(c.ctx, "order.cancel", "brands/"+c.clientID+"/orders/"+orderID, orderSummary(before.(*domain.Order), ""), orderSummary(after, in.Reason))
	return after, nil
}

// orderSummary is what the audit keeps of an order: its status and its money, not its
// customer (reason: the one given with this change, "" none).
func orderSummary(o *domain.Order, reason string) any {
	if o == nil {
		return nil
	}
	out := map[string]any{"orderId": o.OrderID, "storeId": o.StoreID, "status": o.Status, "paymentMethod": o.PaymentMethod,
		"totalCents": o.TotalCents, "paid": !o.PaidAt.IsZero(), "refunded": !o.RefundedAt.IsZero(), "version": o.Version}
	if o.Test {
		out["test"] = true
	}
	if reason != "" {
		out["reason"] = reason
	}
	return out
}

func (c *call) listConversations() (any, error) {
	storeID := c.param("storeId")
	if _, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, storeID); err != nil {
		return nil, storeNotFound(err)
	}
	since := c.h.d.now().Add(-domain.ConversationTTL)
	convs, err := c.h.d.Repos.ListStoreConversations(c.ctx, c.clientID, storeID, since)
	if err != nil {
		return nil, err
	}
	out := ConversationList{Conversations: make([]domain.ConversationSummary, 0, len(convs))}
	for _, cv := range convs {
		if !domain.IsSandboxNumber(cv.PhoneNumber) { // test chats are kept apart from real customers
			out.Conversations = append(out.Conversations, cv)
		}
	}
	if len(out.Conversations) > listCap {
		out.Conversations, out.Truncated = out.Conversations[:listCap], true
	}
	return out, nil
}

func (c *call) listQueues() (any, error) {
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	stores, err := c.h.d.Repos.ListStores(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	out := QueueList{Stores: []StoreQueues{}}
	for _, s := range stores {
		sq := StoreQueues{StoreID: s.StoreID}
		if s.SQSQueueURL == "" {
			sq.Error = "no POS queue provisioned yet"
			out.Stores = append(out.Stores, sq)
			continue
		}
		if sq.Queue, err = c.h.d.Queues.Depth(c.ctx, c.clientID, s.SQSQueueURL); err == nil {
			sq.DeadLetters, err = c.h.d.Queues.Depth(c.ctx, c.clientID, dlqURL(s.SQSQueueURL, c.h.d.Env, c.clientID, s.StoreID))
		}
		if err != nil {
			c.log.Warn("admin: queue depth unavailable", "storeId", s.StoreID, "error", err)
			sq.Error = "depth unavailable"
		}
		out.Stores = append(out.Stores, sq)
	}
	return out, nil
}

// dlqURL is the URL of a store queue's dead-letter queue: the same account and region, the
// name resourcenames.StoreOrderDLQ.
func dlqURL(queueURL, env, clientID, storeID string) string {
	name := resourcenames.StoreOrderQueue(env, clientID, storeID)
	if len(queueURL) > len(name) && queueURL[len(queueURL)-len(name):] == name {
		return queueURL[:len(queueURL)-len(name)] + resourcenames.StoreOrderDLQ(env, clientID, storeID)
	}
	return ""
}

func (c *call) platformQueues() (any, error) {
	if c.h.d.InboundDLQURL == "" {
		return nil, errNotConfigured("the inbound dead-letter queue")
	}
	d, err := c.h.d.Queues.Depth(c.ctx, "", c.h.d.InboundDLQURL)
	if err != nil {
		return nil, err
	}
	return PlatformQueues{InboundDeadLetters: d}, nil
}

// SandboxMessage is a test-chat message: what a customer would write, to one store.
type SandboxMessage struct {
	StoreID string `json:"storeId,omitempty"`
	Text    string `json:"text"`
}

func (c *call) sandboxSend() (any, error) {
	if c.h.d.Sandbox == nil {
		return nil, errNotConfigured("the test chat")
	}
	var in SandboxMessage
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len([]rune(in.Text)) == 0 || len([]rune(in.Text)) > 1600 {
		return nil, domain.InvalidField("text", "is required, at most 1600 characters (WhatsApp's limit for a customer's message)")
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	out, err := c.h.d.Sandbox.Send(c.ctx, c.clientID, in.StoreID, c.p.Subject, in.Text)
	if err != nil {
		if domain.IsNotFound(err) && in.StoreID != "" {
			return nil, domain.InvalidField("storeId", "is not a store of the brand")
		}
		return nil, err
	}
	return out, nil
}

func (c *call) sandboxGet() (any, error) {
	if c.h.d.Sandbox == nil {
		return nil, errNotConfigured("the test chat")
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	conv, err := c.h.d.Sandbox.Conversation(c.ctx, c.clientID, c.p.Subject)
	if domain.IsNotFound(err) {
		return SandboxView{}, nil
	}
	if err != nil {
		return nil, err
	}
	return SandboxView{Conversation: conv}, nil
}

// SandboxView is the caller's test chat with a brand.
type SandboxView struct {
	// Conversation is the test customer's live conversation; absent before the first
	// message, after starting over, or once it expired.
	Conversation *domain.Conversation `json:"conversation,omitempty"`
}

func (c *call) sandboxReset() (any, error) {
	if c.h.d.Sandbox == nil {
		return nil, errNotConfigured("the test chat")
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	return nil, c.h.d.Sandbox.Reset(c.ctx, c.clientID, c.p.Subject)
}

func (c *call) getMetrics() (any, error) {
	if c.h.d.Metrics == nil {
		return nil, errNotConfigured("metrics")
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	today := domain.MetricsDay(c.h.d.now())
	from, to := c.query("from"), c.query("to")
	if to == "" {
		to = today
	}
	if from == "" {
		t, _ := time.Parse(time.DateOnly, to)
		from = t.AddDate(0, 0, -6).Format(time.DateOnly)
	}
	if storeID := c.query("storeId"); storeID != "" {
		if _, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, storeID); err != nil {
			if domain.IsNotFound(err) || domain.ErrorCode(err) == domain.EINVALID {
				return nil, domain.InvalidField("storeId", "is not a store of the brand")
			}
			return nil, err
		}
	}
	return c.h.d.Metrics.Daily(c.ctx, c.clientID, from, to, c.query("storeId"))
}

// Me is the caller as the API sees it.
type Me struct {
	Principal
	Brands []string `json:"brands,omitempty"`
}

func (c *call) me() (any, error) {
	out := Me{Principal: c.p}
	if c.p.ClientID != "" {
		out.Brands = []string{c.p.ClientID}
	}
	return out, nil
}
