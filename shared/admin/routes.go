package admin

import (
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/privacy"
)

// table is every route of the API. The router and the OpenAPI document are built from it,
// and the route matrix test walks the document: a route added here is documented and tested
// for authentication, brand isolation and roles without anyone remembering to.
func (h *Handler) table() []route {
	b := "/brands/{clientId}"
	cust := b + "/customers/{phone}"
	tru := true
	return []route{
		{id: "getMe", method: "GET", path: "/me", tag: "session", summary: "Read the caller's identity and role", access: accessRead, resp: Me{}, handle: (*call).me},

		// Brands.
		{id: "listBrands", method: "GET", path: "/brands", tag: "brands", summary: "List every brand", access: accessPlatform, resp: BrandList{}, handle: (*call).listBrands},
		{id: "createBrand", method: "POST", path: "/brands", tag: "brands", summary: "Create a brand", access: accessPlatform, created: true,
			body: BrandCreate{}, resp: domain.Client{}, conflicts: "the clientId or the WhatsApp number is taken",
			example: BrandCreate{ClientID: "demo-sushi", Name: "Demo Sushi", TwilioPhoneNumber: "whatsapp:+5511955550101", DefaultLanguage: "pt-BR", WelcomeMessage: "Olá! Bem-vindo ao Demo Sushi.", AsaasSandbox: &tru},
			handle:  (*call).createBrand},
		{id: "getBrand", method: "GET", path: b, tag: "brands", summary: "Read a brand", access: accessRead, resp: domain.Client{}, handle: (*call).getBrand},
		{id: "updateBrand", method: "PATCH", path: b, tag: "brands", summary: "Change a brand (also deactivates it: active false)", access: accessWrite, ifMatch: true,
			body: BrandPatch{}, resp: domain.Client{}, example: map[string]any{"welcomeMessage": "Olá! Que bom te ver por aqui."}, handle: (*call).patchBrand},
		{id: "deleteBrand", method: "DELETE", path: b, tag: "brands", summary: "Delete a brand that has no stores", access: accessPlatform,
			conflicts: "the brand has stores", handle: (*call).deleteBrand},

		// Stores.
		{id: "listStores", method: "GET", path: b + "/stores", tag: "stores", summary: "List the brand's stores", access: accessRead, resp: StoreList{}, handle: (*call).listStores},
		{id: "createStore", method: "POST", path: b + "/stores", tag: "stores", summary: "Create a store (inactive until its POS queue exists)", access: accessWrite, created: true,
			body: StoreInput{}, resp: domain.Store{}, conflicts: "the storeId is taken", example: exampleStore, handle: (*call).createStore},
		{id: "getStore", method: "GET", path: b + "/stores/{storeId}", tag: "stores", summary: "Read a store", access: accessRead, resp: domain.Store{}, handle: (*call).getStore},
		{id: "updateStore", method: "PATCH", path: b + "/stores/{storeId}", tag: "stores", summary: "Change a store (hours, delivery, payment methods, active)", access: accessWrite, ifMatch: true,
			body: StoreInput{}, resp: domain.Store{}, conflicts: "activating a store that has no POS queue yet",
			example: map[string]any{"deliveryConfig": map[string]any{"deliveryEnabled": true, "pickupEnabled": true, "deliveryFeeCents": 790, "minimumOrderCents": 2500, "deliveryRadiusKm": 5, "estimatedMinutes": 40}},
			handle:  (*call).patchStore},
		{id: "deleteStore", method: "DELETE", path: b + "/stores/{storeId}", tag: "stores", summary: "Delete an inactive store", access: accessPlatform,
			conflicts: "the store is active", handle: (*call).deleteStore},

		// Integrations.
		{id: "getIntegrations", method: "GET", path: b + "/integrations", tag: "integrations", summary: "Read which integrations are configured (never their values)", access: accessRead,
			resp: Integrations{}, handle: (*call).getIntegrations},
		{id: "putTwilioIntegration", method: "PUT", path: b + "/integrations/twilio", tag: "integrations", summary: "Set the brand's Twilio credentials and WhatsApp number", access: accessWrite,
			body: TwilioIntegration{}, resp: Integrations{}, conflicts: "the number belongs to another brand, or the brand's secret is not provisioned",
			example: TwilioIntegration{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", PhoneNumber: "whatsapp:+5511955550100"},
			handle:  (*call).putTwilio},
		{id: "putAsaasIntegration", method: "PUT", path: b + "/integrations/asaas", tag: "integrations", summary: "Set the brand's Asaas credentials and sandbox flag", access: accessWrite,
			body: AsaasIntegration{}, resp: Integrations{}, conflicts: "the brand's secret is not provisioned",
			example: AsaasIntegration{APIKey: "$aact_YTU5YTE0M2M2N2I4MTliNzk0YTI5N2U5MzdjNWZmNDQ6OjAwMDAwMDAwMDAwMDAwMDAwMDA6OiRhYWNoXzAwMDAwMDAw", WebhookToken: "whsec-demo-0123456789abcdef0123456789abcdef", Sandbox: true},
			handle:  (*call).putAsaas},

		// Customers (phone mappings), their conversation, LGPD.
		{id: "listCustomers", method: "GET", path: b + "/customers", tag: "customers", summary: "List the brand's customers, a page at a time (test-chat customers are not listed)", access: accessRead,
			resp: CustomerList{}, query: []queryParam{{name: "cursor", desc: "the next of the previous page"}, {name: "limit", desc: "page size, at most 100"}}, handle: (*call).listCustomers},
		{id: "getCustomer", method: "GET", path: cust, tag: "customers", summary: "Read a customer's mapping", access: accessRead, resp: domain.PhoneMapping{}, handle: (*call).getCustomer},
		{id: "moveCustomer", method: "PATCH", path: cust, tag: "customers", summary: "Move a customer to another store", access: accessWrite,
			body: CustomerMove{}, resp: domain.PhoneMapping{}, example: CustomerMove{StoreID: "vila-madalena"}, handle: (*call).moveCustomer},
		{id: "deleteCustomer", method: "DELETE", path: cust, tag: "customers", summary: "Forget a customer's mapping (store choice, opt-out)", access: accessWrite, handle: (*call).deleteCustomer},
		{id: "getConversation", method: "GET", path: cust + "/conversation", tag: "conversations", summary: "Read a customer's live conversation", access: accessRead,
			resp: ConversationView{}, handle: (*call).getConversation},
		{id: "resetConversation", method: "DELETE", path: cust + "/conversation", tag: "conversations", summary: "Reset a customer's conversation", access: accessWrite, handle: (*call).resetConversation},
		{id: "handoffConversation", method: "POST", path: cust + "/conversation/handoff", tag: "conversations", summary: "Hand a conversation to a person (the bot goes quiet)", access: accessWrite,
			resp: ConversationView{}, handle: (*call).handoffConversation},
		{id: "resumeConversation", method: "POST", path: cust + "/conversation/resume", tag: "conversations", summary: "Give a conversation back to the bot", access: accessWrite,
			resp: ConversationView{}, handle: (*call).resumeConversation},
		{id: "sendOperatorMessage", method: "POST", path: cust + "/conversation/messages", tag: "conversations", summary: "Send a person's message to the customer (WhatsApp's 24-hour window applies)", access: accessWrite,
			body: OperatorMessage{}, resp: ConversationView{}, conflicts: "outside WhatsApp's 24-hour window, or the customer opted out",
			example: OperatorMessage{Body: "Oi! Aqui é a Ana da loja. Seu pedido sai em 10 minutos."}, handle: (*call).sendOperatorMessage},
		{id: "exportCustomer", method: "GET", path: cust + "/export", tag: "lgpd", summary: "Export everything held about a customer (LGPD)", access: accessWrite, resp: privacy.Export{}, handle: (*call).exportCustomer},
		{id: "eraseCustomer", method: "POST", path: cust + "/erase", tag: "lgpd", summary: "Erase a customer's data; orders are kept pseudonymised (LGPD)", access: accessWrite,
			resp: domain.ErasureReport{}, handle: (*call).eraseCustomer},

		// Menu.
		{id: "getMenu", method: "GET", path: b + "/menu", tag: "menu", summary: "Read the brand's menu", access: accessRead, resp: domain.Menu{}, handle: (*call).getMenu},
		{id: "importMenu", method: "PUT", path: b + "/menu", tag: "menu", summary: "Replace the whole menu (bulk import; every invalid line is reported)", access: accessWrite,
			body: MenuImport{}, resp: MenuSummary{}, maxBody: maxMenuBody, example: exampleMenu, handle: (*call).importMenu},
		{id: "putCategory", method: "PUT", path: b + "/menu/categories/{categoryId}", tag: "menu", summary: "Create or replace a category", access: accessWrite,
			body: domain.Category{}, resp: domain.Category{}, example: domain.Category{Name: "Sobremesas", Sort: 9}, handle: (*call).putCategory},
		{id: "deleteCategory", method: "DELETE", path: b + "/menu/categories/{categoryId}", tag: "menu", summary: "Delete an empty category", access: accessWrite,
			conflicts: "the category has items", handle: (*call).deleteCategory},
		{id: "putItem", method: "PUT", path: b + "/menu/items/{itemId}", tag: "menu", summary: "Create or replace an item (sizes, options, per-store availability and price)", access: accessWrite,
			body: domain.MenuItem{}, resp: domain.MenuItem{}, example: exampleItem, handle: (*call).putItem},
		{id: "deleteItem", method: "DELETE", path: b + "/menu/items/{itemId}", tag: "menu", summary: "Delete an item", access: accessWrite, handle: (*call).deleteItem},

		// Texts and prompt.
		{id: "getTexts", method: "GET", path: b + "/texts", tag: "texts", summary: "Read every conversation text: defaults and the brand's overrides", access: accessRead, resp: map[string]any{}, handle: (*call).getTexts},
		{id: "putTexts", method: "PUT", path: b + "/texts", tag: "texts", summary: "Replace the brand's text overrides", access: accessWrite,
			body: TextsUpdate{}, resp: map[string]any{}, example: TextsUpdate{Texts: map[string]map[domain.Language]string{"thanks": {domain.PtBR: "Valeu! Tamo junto. 🍔"}}}, handle: (*call).putTexts},
		{id: "previewText", method: "POST", path: b + "/texts/preview", tag: "texts", summary: "Render a text with sample values", access: accessRead,
			body: TextPreview{}, resp: Rendered{}, example: TextPreview{ID: "thanks", Language: "pt-BR"}, handle: (*call).previewText},
		{id: "getPrompt", method: "GET", path: b + "/prompt", tag: "texts", summary: "Read the brand's AI prompt template, its variables and the daily token budget", access: accessRead, resp: PromptView{}, handle: (*call).getPrompt},
		{id: "putPrompt", method: "PUT", path: b + "/prompt", tag: "texts", summary: "Set the brand's AI prompt template and daily token budget", access: accessWrite,
			body: PromptUpdate{}, resp: PromptView{}, example: map[string]any{"aiPromptTemplate": examplePrompt, "aiDailyTokenBudget": 3_000_000}, handle: (*call).putPrompt},
		{id: "previewPrompt", method: "POST", path: b + "/prompt/preview", tag: "texts", summary: "Render the prompt for a store, as the engine would", access: accessRead,
			body: PromptPreview{}, resp: Rendered{}, example: PromptPreview{StoreID: "vila-madalena", Language: "pt-BR"}, handle: (*call).previewPrompt},

		// Store operations.
		{id: "listConversations", method: "GET", path: b + "/stores/{storeId}/conversations", tag: "conversations", summary: "List a store's live conversations", access: accessRead,
			resp: ConversationList{}, handle: (*call).listConversations},
		{id: "listOrders", method: "GET", path: b + "/stores/{storeId}/orders", tag: "orders", summary: "List a store's orders, by status", access: accessRead,
			resp: OrderList{}, query: []queryParam{{name: "status", desc: "CREATED, AWAITING_PAYMENT, CONFIRMED, SENT_TO_POS or CANCELLED"},
				{name: "tests", desc: "true also lists the test chat's orders (marked test)"}}, handle: (*call).listOrders},
		{id: "getOrder", method: "GET", path: b + "/orders/{orderId}", tag: "orders", summary: "Read an order and its status history", access: accessRead, resp: domain.Order{}, handle: (*call).getOrder},
		{id: "cancelOrder", method: "POST", path: b + "/orders/{orderId}/cancel", tag: "orders", summary: "Cancel an order: its unpaid charge is removed or its payment refunded, the store's POS and the customer are told",
			description: "An order already cancelled is answered as it is (200), unchanged. A test order is cancelled the same way. reason: 1 to 200 characters, kept in the order's history and sent to the store's POS.",
			access:      accessWrite, body: OrderCancel{}, resp: domain.Order{}, example: OrderCancel{Reason: "Cliente pediu o cancelamento por telefone"}, handle: (*call).cancelOrder},
		{id: "listQueues", method: "GET", path: b + "/queues", tag: "orders", summary: "Read the depths of the stores' POS queues and dead-letter queues", access: accessRead,
			resp: QueueList{}, handle: (*call).listQueues},
		{id: "getPlatformQueues", method: "GET", path: "/platform/queues", tag: "platform", summary: "Read the inbound dead-letter queue's depth", access: accessPlatform,
			resp: PlatformQueues{}, handle: (*call).platformQueues},

		// Test chat.
		{id: "sendSandboxMessage", method: "POST", path: b + "/sandbox/messages", tag: "sandbox", summary: "Chat with the engine as a test customer (never reaches Twilio or a POS)", access: accessWrite,
			body: SandboxMessage{}, resp: conversation.SandboxResult{}, example: SandboxMessage{StoreID: "vila-madalena", Text: "oi, quero ver o cardapio"}, handle: (*call).sandboxSend},
		{id: "getSandbox", method: "GET", path: b + "/sandbox", tag: "sandbox", summary: "Read the caller's test chat: its conversation, absent when there is none", access: accessWrite,
			resp: SandboxView{}, handle: (*call).sandboxGet},
		{id: "resetSandbox", method: "DELETE", path: b + "/sandbox", tag: "sandbox", summary: "Start the caller's test chat over", access: accessWrite, handle: (*call).sandboxReset},

		// Metrics and audit.
		{id: "getMetrics", method: "GET", path: b + "/metrics", tag: "metrics", summary: "Read daily counters per store", access: accessRead, resp: MetricsView{},
			query:  []queryParam{{name: "from", desc: "first day, YYYY-MM-DD (default: 6 days before to)"}, {name: "to", desc: "last day, YYYY-MM-DD (default: today in São Paulo)"}, {name: "storeId", desc: "one store only"}},
			handle: (*call).getMetrics},
		{id: "listAudit", method: "GET", path: b + "/audit", tag: "audit", summary: "Read the brand's audit, newest first", access: accessRead, resp: AuditList{},
			query: []queryParam{{name: "cursor", desc: "the next of the previous page"}, {name: "limit", desc: "page size, at most 100"}}, handle: (*call).listAudit},
		{id: "listAuditByDay", method: "GET", path: "/audit", tag: "audit", summary: "Read every brand's audit of one day", access: accessPlatform, resp: AuditList{},
			query:  []queryParam{{name: "day", desc: "YYYY-MM-DD, UTC (default today)"}, {name: "cursor", desc: "the next of the previous page"}, {name: "limit", desc: "page size, at most 100"}},
			handle: (*call).listAuditByDay},
	}
}

var exampleStore = map[string]any{
	"storeId": "pinheiros", "storeName": "Pinheiros",
	"address":        map[string]any{"street": "Rua dos Pinheiros", "number": "1000", "neighborhood": "Pinheiros", "city": "São Paulo", "state": "SP", "postalCode": "05422-001"},
	"timezone":       "America/Sao_Paulo",
	"operatingHours": map[string]any{"monday": []any{map[string]any{"open": "11:00", "close": "23:00"}}},
	"deliveryConfig": map[string]any{"deliveryEnabled": true, "pickupEnabled": true, "deliveryFeeCents": 690, "minimumOrderCents": 2000, "deliveryRadiusKm": 4, "estimatedMinutes": 35},
	"paymentMethods": []any{"PIX", "CREDIT"},
}

var exampleItem = map[string]any{
	"categoryId": "burgers", "name": "X-Salada Especial", "description": "Pão brioche, 160 g, queijo, alface e tomate",
	"priceCents": 3290, "available": true, "aliases": []any{"x salada"},
	"options": []any{map[string]any{"optionId": "bacon", "name": "Bacon extra", "priceDeltaCents": 500}},
	"stores":  map[string]any{"vila-madalena": map[string]any{"priceCents": 3490}},
}

var exampleMenu = map[string]any{
	"categories": []any{map[string]any{"categoryId": "burgers", "name": "Hambúrgueres", "sort": 1}, map[string]any{"categoryId": "bebidas", "name": "Bebidas", "sort": 2}},
	"items": []any{
		map[string]any{"itemId": "x-burger", "categoryId": "burgers", "name": "X-Burger", "priceCents": 2990, "available": true},
		map[string]any{"itemId": "coca-cola", "categoryId": "bebidas", "name": "Coca-Cola lata", "priceCents": 700, "available": true, "aliases": []any{"coca", "refri"}},
	},
}

const examplePrompt = "Você é o atendente virtual da {{brand}}, loja {{store}}. Fale em {{language}}, com simpatia e poucas palavras. Cardápio:\n{{menu}}"
