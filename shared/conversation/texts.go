package conversation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/ordering"
)

// textID names a bot text in the catalog.
type textID string

// The bot's texts. Each has a version in every language the platform speaks and the same
// arguments in each (a test checks it); what each argument is, in order, is textArgs. A brand
// may override any of them per language (domain.Client.Texts, see ValidateTexts).
const (
	txtDefaultWelcome   textID = "default_welcome" // when the brand set no welcomeMessage
	txtChooseStore      textID = "choose_store"
	txtChangeStore      textID = "change_store"
	txtInvalidChoice    textID = "invalid_choice"
	txtStoreIntro       textID = "store_intro"
	txtStoreUnavailable textID = "store_unavailable"
	txtStoreGoneChoose  textID = "store_gone_choose" // the store chosen was deleted: no name
	txtStoreUnavailNone textID = "store_unavail_none"
	txtNoStore          textID = "no_store"
	txtOptOut           textID = "opt_out"
	txtOptIn            textID = "opt_in"
	txtInactiveClient   textID = "inactive_client"
	txtCannotProcess    textID = "cannot_process" // a message that failed for good
)

// Texts of the erasure of the customer's data (LGPD), asked in the chat (erase.go).
const (
	txtEraseAsk         textID = "erase_ask"
	txtEraseDone        textID = "erase_done"
	txtEraseKept        textID = "erase_kept"
	txtEraseUnavailable textID = "erase_unavailable" // no eraser configured
)

// Texts of the ordering flow (flow.go).
const (
	txtBotBack            textID = "bot_back"
	txtHandoff            textID = "handoff"
	txtNoMenu             textID = "no_menu"
	txtCheckoutStopped    textID = "checkout_stopped"
	txtCartCleared        textID = "cart_cleared"
	txtHelpIntro          textID = "help_intro"
	txtGreetingAgain      textID = "greeting_again"
	txtHello              textID = "hello"
	txtThanks             textID = "thanks"
	txtMenuIntro          textID = "menu_intro"
	txtMenuFooter         textID = "menu_footer"
	txtNoSuchNumber       textID = "no_such_number"
	txtCategoryFooter     textID = "category_footer"
	txtExtras             textID = "extras"
	txtTooMany            textID = "too_many"
	txtCannotAdd          textID = "cannot_add"
	txtCartFull           textID = "cart_full"
	txtAdded              textID = "added"
	txtUnavailable        textID = "unavailable"
	txtOneAtATime         textID = "one_at_a_time"
	txtAskSize            textID = "ask_size"
	txtRemoved            textID = "removed"
	txtNotInCart          textID = "not_in_cart"
	txtWhichOne           textID = "which_one"
	txtReplyNumber        textID = "reply_number"
	txtUnknownItem        textID = "unknown_item"
	txtCartEmpty          textID = "cart_empty"
	txtCartHead           textID = "cart_head"
	txtSubtotal           textID = "subtotal"
	txtCartFooter         textID = "cart_footer"
	txtNoFulfillment      textID = "no_fulfillment"
	txtAskFulfillment     textID = "ask_fulfillment"
	txtPickupOption       textID = "pickup_option"
	txtDeliveryOption     textID = "delivery_option" // continued by free_above and about_minutes
	txtFreeAbove          textID = "free_above"
	txtAboutMinutes       textID = "about_minutes"
	txtNoDelivery         textID = "no_delivery"
	txtNoPickup           textID = "no_pickup"
	txtBelowMinimum       textID = "below_minimum"
	txtAskAddress         textID = "ask_address"
	txtBadAddress         textID = "bad_address"
	txtAskPayment         textID = "ask_payment"
	txtPayPIX             textID = "pay_pix"
	txtPayCredit          textID = "pay_credit"
	txtPayDebit           textID = "pay_debit"
	txtPaymentNotAccepted textID = "payment_not_accepted"
	txtSummaryHead        textID = "summary_head"
	txtFeeFree            textID = "fee_free"
	txtFee                textID = "fee"
	txtTotal              textID = "total"
	txtDeliverTo          textID = "deliver_to"
	txtPickupAt           textID = "pickup_at"
	txtPaymentIs          textID = "payment_is"
	txtConfirmQuestion    textID = "confirm_question"
	txtPlacedPIX          textID = "placed_pix"
	txtPlaced             textID = "placed"
	txtEtaPickup          textID = "eta_pickup"
	txtEtaDelivery        textID = "eta_delivery"
	txtClosed             textID = "closed"
	txtClosedNoHours      textID = "closed_no_hours"
	txtToday              textID = "today"
	txtTomorrow           textID = "tomorrow"
	txtCancelled          textID = "cancelled"
	txtOrderCancelled     textID = "order_cancelled"
	txtAwaitingPayment    textID = "awaiting_payment"
	txtAlreadyPlaced      textID = "already_placed"
	txtPickFromList       textID = "pick_from_list"
	txtStillLost          textID = "still_lost"
	txtNotUnderstood      textID = "not_understood"
	txtHelp               textID = "help"
	txtPaymentConfirmed   textID = "payment_confirmed"
	txtPixCode            textID = "pix_code"
	txtPixPage            textID = "pix_page"
	txtPayByLink          textID = "pay_by_link"
	txtAskCPF             textID = "ask_cpf"
	txtBadCPF             textID = "bad_cpf"
	txtChargeFailed       textID = "charge_failed"
	txtPaymentExpired     textID = "payment_expired"
	txtPaidAfterCancel    textID = "paid_after_cancel"
	txtPaidTwice          textID = "paid_twice"
	txtRefunded           textID = "refunded"
	txtCancelledByStore   textID = "cancelled_by_store"
	txtCancelledRefunded  textID = "cancelled_refunded"
	txtPayCreditLink      textID = "pay_credit_link"
	txtPlacedLink         textID = "placed_link"
	txtAwaitingLink       textID = "awaiting_link"
	txtLinkExpired        textID = "link_expired"
	txtCancelPlaced       textID = "cancel_placed"
)

// textArg is one argument of a text: what it is, for operators who override the text, and a
// value to preview it with.
type textArg struct {
	desc   string
	sample func(c *domain.Client, lang domain.Language) any
}

func sample(v any) func(*domain.Client, domain.Language) any {
	return func(*domain.Client, domain.Language) any { return v }
}

func sampleIn(pt, en any) func(*domain.Client, domain.Language) any {
	return func(_ *domain.Client, lang domain.Language) any {
		if lang == domain.EnUS {
			return en
		}
		return pt
	}
}

// sampleStores are the stores of previews.
var sampleStores = []domain.Store{
	{StoreID: "centro", StoreName: "Centro", Address: domain.Address{Street: "Rua XV de Novembro", Number: "100", Neighborhood: "Centro", City: "São Paulo", State: "SP"}},
	{StoreID: "paulista", StoreName: "Paulista", Address: domain.Address{Street: "Avenida Paulista", Number: "1500", Neighborhood: "Bela Vista", City: "São Paulo", State: "SP"}},
}

// The arguments texts take.
var (
	argBrand = textArg{"brand name", func(c *domain.Client, _ domain.Language) any {
		if c != nil && c.ClientName != "" {
			return c.ClientName
		}
		return "Pizzaria Exemplo"
	}}
	argStoreName    = textArg{"store name", sample(sampleStores[0].StoreName)}
	argStoreAddress = textArg{"store address", sample(sampleStores[0].Address.String())}
	argStoreList    = textArg{"numbered list of the stores, one per line", sample(storeList(sampleStores))}
	argListNumber   = textArg{"the number the customer sent", sample(7)}
	argExtras       = textArg{"the extras of the listed items, with their prices", sample("Borda recheada +R$ 8,00, Bacon +R$ 5,00")}
	argMaxQuantity  = textArg{"the largest quantity of one item per order", sample(ordering.MaxLineQuantity)}
	argItemName     = textArg{"item name", sample("Calabresa")}
	argQuantity     = textArg{"quantity", sample(2)}
	argLine         = textArg{"the cart line: item, size and options", sample("Calabresa (Grande, Borda recheada)")}
	argWords        = textArg{"the customer's words", sampleIn("pizza de chocolate", "chocolate pizza")}
	argFee          = textArg{"delivery fee", sample(ordering.FormatBRL(800))}
	argFreeAbove    = textArg{"order amount above which delivery is free", sample(ordering.FormatBRL(10000))}
	argMinutes      = textArg{"estimated delivery time in minutes", sample(45)}
	argMinimum      = textArg{"minimum order for delivery", sample(ordering.FormatBRL(3000))}
	argMissing      = textArg{"amount missing to reach the minimum", sample(ordering.FormatBRL(1200))}
	argSubtotal     = textArg{"subtotal of the cart", sample(ordering.FormatBRL(5200))}
	argTotal        = textArg{"total of the order", sample(ordering.FormatBRL(6000))}
	argUntil        = textArg{"until when the PIX code can be paid (dd/mm hh:mm, São Paulo time)", sample("02/12 23:59")}
	argPaymentURL   = textArg{"the payment page (QR code or card form)", sample("https://www.asaas.com/i/080225913252")}
	argPayment      = textArg{"payment method, as the pay_pix, pay_credit or pay_debit text", func(c *domain.Client, lang domain.Language) any {
		return textIn(c, lang, txtPayCredit)
	}}
	argAddress = textArg{"the customer's delivery address", sample("Rua Augusta, 500, ap 12 - Consolação")}
	argOrderID = textArg{"order number", sample("K7Q2M9XH4A")}
	argEta     = textArg{"when the order is ready: the eta_pickup or eta_delivery text", func(c *domain.Client, lang domain.Language) any {
		return textIn(c, lang, txtEtaDelivery, 45)
	}}
	argDay = textArg{"the day the store opens: the today or tomorrow text, or a weekday", func(c *domain.Client, lang domain.Language) any {
		return textIn(c, lang, txtTomorrow)
	}}
	argTime    = textArg{"the time the store opens (HH:MM)", sample("18:00")}
	argExample = textArg{"an item of the store, as an example", sampleIn("calabresa grande", "cheese burger")}
)

// textArgs lists the arguments of each text that takes any, in order.
var textArgs = map[textID][]textArg{
	txtDefaultWelcome:     {argBrand},
	txtChooseStore:        {argBrand, argStoreList},
	txtChangeStore:        {argStoreList},
	txtInvalidChoice:      {argStoreList},
	txtStoreIntro:         {argStoreName, argStoreAddress},
	txtStoreUnavailable:   {argStoreName, argStoreList},
	txtStoreGoneChoose:    {argStoreList},
	txtStoreUnavailNone:   {argStoreName},
	txtNoStore:            {argBrand},
	txtOptOut:             {argBrand},
	txtOptIn:              {argBrand},
	txtInactiveClient:     {argBrand},
	txtEraseAsk:           {argBrand},
	txtEraseDone:          {argBrand},
	txtEraseUnavailable:   {argBrand},
	txtHandoff:            {argStoreName},
	txtNoMenu:             {argStoreName},
	txtGreetingAgain:      {argStoreName},
	txtMenuIntro:          {argStoreName},
	txtNoSuchNumber:       {argListNumber},
	txtExtras:             {argExtras},
	txtTooMany:            {argMaxQuantity, argItemName},
	txtCannotAdd:          {argItemName},
	txtUnavailable:        {argItemName, argStoreName},
	txtAskSize:            {argItemName},
	txtRemoved:            {argQuantity, argLine},
	txtNotInCart:          {argItemName},
	txtWhichOne:           {argWords},
	txtUnknownItem:        {argWords},
	txtSubtotal:           {argSubtotal},
	txtNoFulfillment:      {argStoreName},
	txtPickupOption:       {argStoreAddress},
	txtDeliveryOption:     {argFee},
	txtFreeAbove:          {argFreeAbove},
	txtAboutMinutes:       {argMinutes},
	txtNoDelivery:         {argStoreName},
	txtNoPickup:           {argStoreName},
	txtBelowMinimum:       {argMinimum, argMissing, argSubtotal},
	txtPaymentNotAccepted: {argPayment},
	txtFee:                {argFee},
	txtTotal:              {argTotal},
	txtDeliverTo:          {argAddress, argMinutes},
	txtPickupAt:           {argStoreName, argStoreAddress},
	txtPaymentIs:          {argPayment},
	txtPlacedPIX:          {argOrderID, argTotal},
	txtPlaced:             {argOrderID, argTotal, argPayment, argEta},
	txtEtaPickup:          {argStoreName},
	txtEtaDelivery:        {argMinutes},
	txtClosed:             {argStoreName, argDay, argTime},
	txtClosedNoHours:      {argStoreName},
	txtOrderCancelled:     {argOrderID},
	txtAwaitingPayment:    {argOrderID},
	txtAlreadyPlaced:      {argOrderID},
	txtHelp:               {argExample},
	txtPaymentConfirmed:   {argOrderID},
	txtPixCode:            {argTotal, argUntil},
	txtPixPage:            {argPaymentURL},
	txtPayByLink:          {argOrderID, argTotal, argPaymentURL},
	txtChargeFailed:       {argOrderID},
	txtPaymentExpired:     {argOrderID},
	txtPaidAfterCancel:    {argOrderID},
	txtPaidTwice:          {argOrderID},
	txtRefunded:           {argOrderID},
	txtCancelledByStore:   {argOrderID},
	txtCancelledRefunded:  {argOrderID},
	txtPlacedLink:         {argOrderID, argTotal},
	txtAwaitingLink:       {argOrderID},
	txtLinkExpired:        {argOrderID},
	txtCancelPlaced:       {argOrderID, argStoreName},
}

// catalog holds every bot text by id and language, as fmt formats.
var catalog = map[textID]map[domain.Language]string{
	txtDefaultWelcome: {
		domain.PtBR: "Olá! Seja bem-vindo(a) ao atendimento de %s.",
		domain.EnUS: "Hi! Welcome to %s.",
	},
	txtChooseStore: {
		domain.PtBR: "Olá! Seja bem-vindo(a) ao atendimento de %s.\n\nDe qual loja você gostaria de pedir? Responda com o número ou o nome da loja:\n%s",
		domain.EnUS: "Hi! Welcome to %s.\n\nWhich store would you like to order from? Reply with the store's number or name:\n%s",
	},
	txtChangeStore: {
		domain.PtBR: "Claro! De qual loja você gostaria de pedir? Responda com o número ou o nome da loja:\n%s",
		domain.EnUS: "Sure! Which store would you like to order from? Reply with the store's number or name:\n%s",
	},
	txtInvalidChoice: {
		domain.PtBR: "Desculpe, não entendi qual loja você escolheu. Por favor, responda com o número ou o nome de uma destas lojas:\n%s",
		domain.EnUS: "Sorry, I didn't understand which store you chose. Please reply with the number or the name of one of these stores:\n%s",
	},
	txtStoreIntro: {
		domain.PtBR: "Você está falando com a loja %s (%s).",
		domain.EnUS: "You're talking to our %s store (%s).",
	},
	txtStoreUnavailable: {
		domain.PtBR: "Desculpe, a loja %s não está disponível no momento. Por favor, escolha outra loja respondendo com o número ou o nome:\n%s",
		domain.EnUS: "Sorry, the %s store is not available at the moment. Please choose another store by replying with its number or name:\n%s",
	},
	txtStoreGoneChoose: {
		domain.PtBR: "Desculpe, a loja que você tinha escolhido não está mais disponível. Por favor, escolha outra loja respondendo com o número ou o nome:\n%s",
		domain.EnUS: "Sorry, the store you had chosen is no longer available. Please choose another store by replying with its number or name:\n%s",
	},
	txtStoreUnavailNone: {
		domain.PtBR: "Desculpe, a loja %s não está disponível no momento, e não há outra loja disponível agora. Por favor, tente novamente mais tarde.",
		domain.EnUS: "Sorry, the %s store is not available at the moment, and no other store is available right now. Please try again later.",
	},
	txtNoStore: {
		domain.PtBR: "Olá! Obrigado pelo contato com %s. No momento não há nenhuma loja disponível para pedidos. Por favor, tente novamente mais tarde.",
		domain.EnUS: "Hi! Thank you for contacting %s. No store is taking orders at the moment. Please try again later.",
	},
	txtEraseAsk: {
		domain.PtBR: "Você pediu para %s apagar seus dados. Se confirmar, apagamos seu cadastro, esta conversa e seu endereço; os pedidos já feitos ficam guardados sem seu nome e número, como registro fiscal. Responda *SIM* para apagar ou *NÃO* para manter seus dados.",
		domain.EnUS: "You asked %s to erase your data. If you confirm, we delete your profile, this chat and your address; past orders are kept without your name and number, as fiscal records. Reply *YES* to erase or *NO* to keep your data.",
	},
	txtEraseDone: {
		domain.PtBR: "Pronto! Seus dados em %s foram apagados. Os pedidos já feitos ficam guardados sem seu nome e número (pseudonimizados), como registro fiscal exigido por lei. Se escrever de novo, começamos do zero.",
		domain.EnUS: "Done! Your data at %s has been erased. Past orders are kept without your name and number (pseudonymised), as fiscal records the law requires. If you write again, we'll start from scratch.",
	},
	txtEraseKept: {
		domain.PtBR: "Tudo bem, não apaguei nada. Podemos continuar de onde paramos.",
		domain.EnUS: "OK, nothing was erased. We can carry on where we left off.",
	},
	txtEraseUnavailable: {
		domain.PtBR: "Desculpe, não consigo apagar seus dados por aqui. Por favor, fale com %s pelos canais oficiais de atendimento para fazer esse pedido.",
		domain.EnUS: "Sorry, I can't erase your data in this chat. Please contact %s through its official support channels to make this request.",
	},
	txtBotBack: {
		domain.PtBR: "O atendimento automático está de volta. 🙂",
		domain.EnUS: "The automatic assistant is back. 🙂",
	},
	txtHandoff: {
		domain.PtBR: "Certo! Um atendente da loja %s vai continuar a conversa por aqui em breve. Enquanto isso eu fico em silêncio.",
		domain.EnUS: "Sure! Someone from our %s store will continue this chat here shortly. I'll stay quiet meanwhile.",
	},
	txtNoMenu: {
		domain.PtBR: "Desculpe, a loja %s ainda não tem cardápio disponível por aqui. Envie *atendente* para falar com uma pessoa.",
		domain.EnUS: "Sorry, the %s store has no menu available here yet. Send *human* to talk to a person.",
	},
	txtCheckoutStopped: {
		domain.PtBR: "Tudo bem, o pedido ainda não foi enviado. Você pode mudar o que quiser.",
		domain.EnUS: "No problem, the order has not been sent. You can change anything you like.",
	},
	txtCartCleared: {
		domain.PtBR: "Pronto, seu carrinho está vazio. Envie *cardápio* quando quiser recomeçar.",
		domain.EnUS: "Done, your cart is empty. Send *menu* whenever you want to start again.",
	},
	txtHelpIntro: {
		domain.PtBR: "Posso te ajudar assim:",
		domain.EnUS: "Here's how I can help:",
	},
	txtGreetingAgain: {
		domain.PtBR: "Olá! Você está falando com a loja %s. Quer ver o cardápio? É só responder *sim* ou já pedir o que deseja.",
		domain.EnUS: "Hi! You're talking to our %s store. Want to see the menu? Just reply *yes* or tell me what you'd like.",
	},
	txtHello: {
		domain.PtBR: "Olá! 👋",
		domain.EnUS: "Hi there! 👋",
	},
	txtThanks: {
		domain.PtBR: "Eu que agradeço! 😊 Se precisar de algo, é só mandar mensagem.",
		domain.EnUS: "You're welcome! 😊 Message me any time.",
	},
	txtMenuIntro: {
		domain.PtBR: "📋 Cardápio da loja %s. Escolha uma categoria:",
		domain.EnUS: "📋 Menu of our %s store. Pick a category:",
	},
	txtMenuFooter: {
		domain.PtBR: "Responda com o número da categoria ou peça direto, por exemplo: \"uma calabresa grande e uma coca\".",
		domain.EnUS: "Reply with the category's number, or just tell me what you want, e.g. \"2 cheese burgers and a coke\".",
	},
	txtNoSuchNumber: {
		domain.PtBR: "Não há opção %d nesta lista.",
		domain.EnUS: "There is no option %d in this list.",
	},
	txtCategoryFooter: {
		domain.PtBR: "Responda com o número do item ou escreva o pedido (ex.: \"2 grandes de calabresa com borda\"). Envie *voltar* para as categorias ou *carrinho* para ver seu pedido.",
		domain.EnUS: "Reply with the item's number or write your order (e.g. \"2 cheese burgers with bacon\"). Send *back* for the categories or *cart* to see your order.",
	},
	txtExtras: {
		domain.PtBR: "Adicionais: %s.",
		domain.EnUS: "Extras: %s.",
	},
	txtTooMany: {
		domain.PtBR: "Consigo no máximo %d unidades de %s por pedido aqui. Para pedidos maiores, envie *atendente*.",
		domain.EnUS: "I can take at most %d of %s per order here. For bigger orders, send *human*.",
	},
	txtCannotAdd: {
		domain.PtBR: "Não consegui adicionar %s com essas opções.",
		domain.EnUS: "I couldn't add %s with those options.",
	},
	txtCartFull: {
		domain.PtBR: "Seu carrinho está cheio. Finalize este pedido antes de adicionar mais itens.",
		domain.EnUS: "Your cart is full. Please check out before adding more items.",
	},
	txtAdded: {
		domain.PtBR: "✅ Adicionado:",
		domain.EnUS: "✅ Added:",
	},
	txtUnavailable: {
		domain.PtBR: "Desculpe, %s não está disponível na loja %s no momento.",
		domain.EnUS: "Sorry, %s is not available at our %s store right now.",
	},
	txtOneAtATime: {
		domain.PtBR: "Depois eu anoto o resto do seu pedido: me diga o tamanho primeiro.",
		domain.EnUS: "I'll take the rest of your order next: tell me the size first.",
	},
	txtAskSize: {
		domain.PtBR: "Qual tamanho de %s?",
		domain.EnUS: "Which size of %s?",
	},
	txtRemoved: {
		domain.PtBR: "🗑️ Removido: %dx %s.",
		domain.EnUS: "🗑️ Removed: %dx %s.",
	},
	txtNotInCart: {
		domain.PtBR: "Não encontrei %s no seu carrinho.",
		domain.EnUS: "I couldn't find %s in your cart.",
	},
	txtWhichOne: {
		domain.PtBR: "Qual deles você quer para \"%s\"?",
		domain.EnUS: "Which one do you mean by \"%s\"?",
	},
	txtReplyNumber: {
		domain.PtBR: "Responda com o número.",
		domain.EnUS: "Reply with the number.",
	},
	txtUnknownItem: {
		domain.PtBR: "Desculpe, não temos \"%s\" no cardápio. Envie *cardápio* para ver as opções.",
		domain.EnUS: "Sorry, we don't have \"%s\" on the menu. Send *menu* to see what we have.",
	},
	txtCartEmpty: {
		domain.PtBR: "Seu carrinho está vazio.",
		domain.EnUS: "Your cart is empty.",
	},
	txtCartHead: {
		domain.PtBR: "🛒 Seu carrinho:",
		domain.EnUS: "🛒 Your cart:",
	},
	txtSubtotal: {
		domain.PtBR: "Subtotal: %s",
		domain.EnUS: "Subtotal: %s",
	},
	txtCartFooter: {
		domain.PtBR: "Quer mais alguma coisa? Peça outro item, envie *tirar* e o item para remover, ou *finalizar* para fechar o pedido.",
		domain.EnUS: "Anything else? Order another item, send *remove* and the item to take it out, or *checkout* to place the order.",
	},
	txtNoFulfillment: {
		domain.PtBR: "Desculpe, a loja %s não está fazendo entregas nem retiradas agora.",
		domain.EnUS: "Sorry, our %s store is not doing delivery or pickup right now.",
	},
	txtAskFulfillment: {
		domain.PtBR: "Como você quer receber seu pedido?",
		domain.EnUS: "How would you like to get your order?",
	},
	txtPickupOption: {
		domain.PtBR: "Retirar na loja (%s)",
		domain.EnUS: "Pickup at the store (%s)",
	},
	txtDeliveryOption: {
		domain.PtBR: "Entrega (taxa %s",
		domain.EnUS: "Delivery (fee %s",
	},
	txtFreeAbove: {
		domain.PtBR: ", grátis acima de %s",
		domain.EnUS: ", free over %s",
	},
	txtAboutMinutes: {
		domain.PtBR: ", cerca de %d min)",
		domain.EnUS: ", about %d min)",
	},
	txtNoDelivery: {
		domain.PtBR: "A loja %s não está fazendo entregas agora.",
		domain.EnUS: "Our %s store is not delivering right now.",
	},
	txtNoPickup: {
		domain.PtBR: "A loja %s não está com retirada agora.",
		domain.EnUS: "Our %s store is not doing pickup right now.",
	},
	txtBelowMinimum: {
		domain.PtBR: "O pedido mínimo para entrega é %s: faltam %s (seu carrinho está em %s). Adicione mais itens ou escolha retirar na loja.",
		domain.EnUS: "The minimum order for delivery is %s: you need %s more (your cart is at %s). Add more items or choose pickup.",
	},
	txtAskAddress: {
		domain.PtBR: "Qual o endereço de entrega? Envie rua, número, complemento e bairro.",
		domain.EnUS: "What's the delivery address? Send street, number, apartment and neighbourhood.",
	},
	txtBadAddress: {
		domain.PtBR: "Não consegui entender o endereço. Envie rua, número e bairro, por favor (ex.: Rua Augusta, 500, ap 12, Consolação).",
		domain.EnUS: "I couldn't understand the address. Please send street, number and neighbourhood (e.g. Rua Augusta, 500, apt 12, Consolação).",
	},
	txtAskPayment: {
		domain.PtBR: "Como você vai pagar?",
		domain.EnUS: "How will you pay?",
	},
	txtPayPIX: {
		domain.PtBR: "PIX",
		domain.EnUS: "PIX",
	},
	txtPayCredit: {
		domain.PtBR: "Cartão de crédito (na entrega ou retirada)",
		domain.EnUS: "Credit card (on delivery or pickup)",
	},
	txtPayCreditLink: {
		domain.PtBR: "Cartão de crédito (link de pagamento)",
		domain.EnUS: "Credit card (payment link)",
	},
	txtPayDebit: {
		domain.PtBR: "Cartão de débito (na entrega ou retirada)",
		domain.EnUS: "Debit card (on delivery or pickup)",
	},
	txtPaymentNotAccepted: {
		domain.PtBR: "Desculpe, esta loja não aceita %s.",
		domain.EnUS: "Sorry, this store doesn't take %s.",
	},
	txtSummaryHead: {
		domain.PtBR: "📝 Confira seu pedido:",
		domain.EnUS: "📝 Please check your order:",
	},
	txtFeeFree: {
		domain.PtBR: "Entrega: grátis",
		domain.EnUS: "Delivery: free",
	},
	txtFee: {
		domain.PtBR: "Taxa de entrega: %s",
		domain.EnUS: "Delivery fee: %s",
	},
	txtTotal: {
		domain.PtBR: "*Total: %s*",
		domain.EnUS: "*Total: %s*",
	},
	txtDeliverTo: {
		domain.PtBR: "Entrega em: %s (cerca de %d min)",
		domain.EnUS: "Deliver to: %s (about %d min)",
	},
	txtPickupAt: {
		domain.PtBR: "Retirada na loja %s (%s)",
		domain.EnUS: "Pickup at our %s store (%s)",
	},
	txtPaymentIs: {
		domain.PtBR: "Pagamento: %s",
		domain.EnUS: "Payment: %s",
	},
	txtConfirmQuestion: {
		domain.PtBR: "Responda *SIM* para confirmar o pedido ou *NÃO* para voltar ao carrinho.",
		domain.EnUS: "Reply *YES* to place the order or *NO* to go back to your cart.",
	},
	txtPlacedPIX: {
		domain.PtBR: "Pedido #%s registrado! Total: %s. Assim que o pagamento PIX for confirmado, ele vai para a cozinha e eu te aviso. Envie *cancelar* para desistir.",
		domain.EnUS: "Order #%s is registered! Total: %s. As soon as the PIX payment is confirmed it goes to the kitchen and I'll let you know. Send *cancel* to call it off.",
	},
	txtPlaced: {
		domain.PtBR: "🎉 Pedido #%s confirmado e enviado para a cozinha! Total: %s. Pagamento: %s. %s",
		domain.EnUS: "🎉 Order #%s is confirmed and on its way to the kitchen! Total: %s. Payment: %s. %s",
	},
	txtEtaPickup: {
		domain.PtBR: "Retire na loja %s; avisaremos se houver atraso.",
		domain.EnUS: "Pick it up at our %s store; we'll tell you about any delay.",
	},
	txtEtaDelivery: {
		domain.PtBR: "Previsão de entrega: cerca de %d min.",
		domain.EnUS: "Estimated delivery: about %d min.",
	},
	txtClosed: {
		domain.PtBR: "A loja %s está fechada agora e abre %s às %s. Você pode montar seu carrinho e finalizar quando ela abrir.",
		domain.EnUS: "Our %s store is closed now and opens %s at %s. You can build your cart and check out when it opens.",
	},
	txtClosedNoHours: {
		domain.PtBR: "A loja %s não está recebendo pedidos no momento.",
		domain.EnUS: "Our %s store is not taking orders at the moment.",
	},
	txtToday: {
		domain.PtBR: "hoje",
		domain.EnUS: "today",
	},
	txtTomorrow: {
		domain.PtBR: "amanhã",
		domain.EnUS: "tomorrow",
	},
	txtCancelled: {
		domain.PtBR: "Tudo bem, cancelei o pedido e esvaziei o carrinho. Se quiser recomeçar, envie *cardápio*.",
		domain.EnUS: "OK, I've cancelled the order and emptied your cart. Send *menu* to start again.",
	},
	txtOrderCancelled: {
		domain.PtBR: "Pedido #%s cancelado. Nenhum valor será cobrado.",
		domain.EnUS: "Order #%s is cancelled. You won't be charged.",
	},
	txtAwaitingPayment: {
		domain.PtBR: "Seu pedido #%s está aguardando o pagamento PIX. Assim que ele for confirmado, eu te aviso. Envie *cancelar* para desistir.",
		domain.EnUS: "Your order #%s is waiting for its PIX payment. I'll let you know as soon as it's confirmed. Send *cancel* to call it off.",
	},
	txtAlreadyPlaced: {
		domain.PtBR: "Seu pedido #%s já foi confirmado e está com a loja. Para fazer um novo pedido, envie *cardápio*.",
		domain.EnUS: "Your order #%s is already confirmed and with the store. To order again, send *menu*.",
	},
	txtPickFromList: {
		domain.PtBR: "Não entendi sua escolha. Responda com o número de uma das opções acima.",
		domain.EnUS: "I didn't get your choice. Please reply with the number of one of the options above.",
	},
	txtStillLost: {
		domain.PtBR: "Ainda não consegui entender, desculpe! Aqui está o cardápio para facilitar. Se preferir, envie *atendente* para falar com uma pessoa.",
		domain.EnUS: "Sorry, I still didn't get that! Here's the menu to make it easier. If you prefer, send *human* to talk to a person.",
	},
	txtNotUnderstood: {
		domain.PtBR: "Desculpe, não entendi. 🤔",
		domain.EnUS: "Sorry, I didn't understand that. 🤔",
	},
	txtHelp: {
		domain.PtBR: "• *cardápio* para ver o menu\n• peça direto, ex.: \"uma %s\"\n• *carrinho* para ver seu pedido\n• *finalizar* para fechar o pedido\n• *atendente* para falar com uma pessoa\n• *trocar de loja* para escolher outra loja",
		domain.EnUS: "• *menu* to see what we have\n• order directly, e.g. \"one %s\"\n• *cart* to see your order\n• *checkout* to place it\n• *human* to talk to a person\n• *change store* to pick another store",
	},
	txtPaymentConfirmed: {
		domain.PtBR: "✅ Pagamento recebido! Seu pedido #%s foi enviado para a cozinha.",
		domain.EnUS: "✅ Payment received! Your order #%s has been sent to the kitchen.",
	},
	txtPlacedLink: {
		domain.PtBR: "Pedido #%s registrado! Total: %s. Assim que o pagamento no cartão for aprovado, ele vai para a cozinha e eu te aviso. Envie *cancelar* para desistir.",
		domain.EnUS: "Order #%s is registered! Total: %s. As soon as the card payment is approved it goes to the kitchen and I'll let you know. Send *cancel* to call it off.",
	},
	txtAwaitingLink: {
		domain.PtBR: "Seu pedido #%s está aguardando o pagamento pelo link. Assim que ele for aprovado, eu te aviso. Envie *link* para recebê-lo de novo ou *cancelar* para desistir.",
		domain.EnUS: "Your order #%s is waiting for its payment by link. I'll let you know as soon as it's approved. Send *link* to get it again or *cancel* to call it off.",
	},
	txtCancelPlaced: {
		domain.PtBR: "O pedido #%s já foi para a cozinha, então quem pode cancelar é a loja %s: já chamei alguém da equipe para falar com você aqui. Se o pedido for cancelado, o valor pago é estornado.",
		domain.EnUS: "Order #%s has already gone to the kitchen, so the %s store decides on cancelling it: I've called someone from the team to talk to you here. If the order is cancelled, what you paid is refunded.",
	},
	txtLinkExpired: {
		domain.PtBR: "O link de pagamento do pedido #%s venceu sem pagamento, então o pedido foi cancelado e nada foi cobrado. Seus itens continuam no carrinho: envie *finalizar* para pedir de novo.",
		domain.EnUS: "The payment link of order #%s expired unpaid, so the order is cancelled and nothing was charged. Your items are still in the cart: send *checkout* to order again.",
	},
	txtPixCode: {
		domain.PtBR: "Para pagar %s, copie o código PIX da próxima mensagem e cole no app do seu banco, em *Pix Copia e Cola*. Ele vale até %s.",
		domain.EnUS: "To pay %s, copy the PIX code in the next message and paste it in your bank's app under *Pix Copia e Cola*. It is valid until %s.",
	},
	txtPixPage: {
		domain.PtBR: "Se preferir o QR code: %s",
		domain.EnUS: "If you prefer the QR code: %s",
	},
	txtPayByLink: {
		domain.PtBR: "Para pagar o pedido #%s (%s), use este link seguro: %s",
		domain.EnUS: "To pay order #%s (%s), use this secure link: %s",
	},
	txtAskCPF: {
		domain.PtBR: "Para gerar o PIX, preciso do seu CPF (só os 11 números). Ele vai apenas para o nosso sistema de pagamento. Se preferir, envie *cancelar*.",
		domain.EnUS: "To create the PIX charge I need your CPF (the 11 digits). It goes to our payment system only. Or send *cancel*.",
	},
	txtBadCPF: {
		domain.PtBR: "Esse CPF não parece válido. Confira os 11 números e envie de novo, por favor.",
		domain.EnUS: "That CPF doesn't look valid. Please check the 11 digits and send it again.",
	},
	txtChargeFailed: {
		domain.PtBR: "Desculpe, não consegui gerar a cobrança PIX agora, então o pedido #%s foi cancelado e nada foi cobrado. Seus itens continuam no carrinho: envie *finalizar* para tentar de novo ou escolher outra forma de pagamento.",
		domain.EnUS: "Sorry, I couldn't create the PIX charge right now, so order #%s is cancelled and nothing was charged. Your items are still in the cart: send *checkout* to try again or pick another way to pay.",
	},
	txtPaymentExpired: {
		domain.PtBR: "O prazo do PIX do pedido #%s acabou sem pagamento, então o pedido foi cancelado e nada foi cobrado. Seus itens continuam no carrinho: envie *finalizar* para gerar um novo PIX.",
		domain.EnUS: "The PIX code of order #%s expired unpaid, so the order is cancelled and nothing was charged. Your items are still in the cart: send *checkout* for a new PIX code.",
	},
	txtPaidAfterCancel: {
		domain.PtBR: "Recebemos um pagamento do pedido #%s, mas ele já estava cancelado. O valor será devolvido integralmente para você.",
		domain.EnUS: "We received a payment for order #%s, but it had already been cancelled. The full amount will be returned to you.",
	},
	txtPaidTwice: {
		domain.PtBR: "O pedido #%s foi pago duas vezes. O segundo pagamento será devolvido integralmente para você.",
		domain.EnUS: "Order #%s was paid twice. The second payment will be returned to you in full.",
	},
	txtRefunded: {
		domain.PtBR: "O valor do pedido #%s foi estornado para você.",
		domain.EnUS: "The amount of order #%s has been refunded to you.",
	},
	txtCancelledByStore: {
		domain.PtBR: "Seu pedido #%s foi cancelado pela loja. Nada foi cobrado. Se quiser, envie *cardápio* para pedir de novo.",
		domain.EnUS: "Your order #%s was cancelled by the store. Nothing was charged. Send *menu* to order again.",
	},
	txtCancelledRefunded: {
		domain.PtBR: "Seu pedido #%s foi cancelado pela loja, e o valor pago será estornado integralmente.",
		domain.EnUS: "Your order #%s was cancelled by the store, and the amount you paid will be refunded in full.",
	},
	txtOptOut: {
		domain.PtBR: "Tudo bem! Você não receberá mais mensagens de %s. Se mudar de ideia, é só enviar VOLTAR.",
		domain.EnUS: "Done! You won't receive any more messages from %s. If you change your mind, just send START.",
	},
	txtOptIn: {
		domain.PtBR: "Que bom ter você de volta! Você voltará a receber mensagens de %s. Envie qualquer mensagem para continuar.",
		domain.EnUS: "Welcome back! You'll receive messages from %s again. Send any message to continue.",
	},
	txtCannotProcess: {
		domain.PtBR: "Desculpe, não consegui processar sua última mensagem. Pode enviar de novo, com outras palavras? Se preferir, escreva *atendente* para falar com uma pessoa.",
		domain.EnUS: "Sorry, I couldn't process your last message. Could you send it again, in other words? If you prefer, write *human* to talk to a person.",
	},
	txtInactiveClient: {
		domain.PtBR: "Olá! Obrigado pelo contato. No momento o atendimento de %s pelo WhatsApp não está disponível. Pedimos desculpas pelo transtorno.",
		domain.EnUS: "Hi! Thank you for reaching out. %s is not taking messages on WhatsApp at the moment. We apologise for the inconvenience.",
	},
}

// text renders id for the brand c in its language (see textIn).
func text(c *domain.Client, id textID, args ...any) string {
	lang := domain.PtBR
	if c != nil {
		lang = c.DefaultLanguage
	}
	return textIn(c, lang, id, args...)
}

// textIn renders id in lang for the brand c (nil: the platform's defaults): the brand's
// override when it has one for lang whose verbs match the catalog's (ValidateTexts refuses
// any other, and one written around it is ignored), else the catalog's version. A language
// without a version falls back to pt-BR, the platform's home language (clients are validated
// to pt-BR or en-US, so this is a guard). Every text the engine sends goes through here.
func textIn(c *domain.Client, lang domain.Language, id textID, args ...any) string {
	versions := catalog[id]
	f, ok := versions[lang]
	if !ok {
		lang = domain.PtBR
		f = versions[lang]
	}
	if c != nil {
		if o, ok := c.Texts[string(id)][lang]; ok && strings.TrimSpace(o) != "" {
			if v, err := verbsOf(o); err == nil && slices.Equal(v, catalogVerbs[id]) {
				f = o
			}
		}
	}
	return fmt.Sprintf(f, args...)
}

// storeList numbers stores one per line: "1. Centro — Rua XV de Novembro, 100 - Centro -
// São Paulo - SP".
func storeList(stores []domain.Store) string {
	lines := make([]string, len(stores))
	for i, s := range stores {
		lines[i] = fmt.Sprintf("%d. %s — %s", i+1, s.StoreName, s.Address.String())
	}
	return strings.Join(lines, "\n")
}

// welcome is the brand's own welcome message, or a polite default with its name.
// The welcomeMessage wins over an override of default_welcome.
func welcome(c *domain.Client) string {
	if w := strings.TrimSpace(c.WelcomeMessage); w != "" {
		return w
	}
	return text(c, txtDefaultWelcome, c.ClientName)
}

// greeting opens a conversation with a store: the brand's welcome and which store answers.
func greeting(c *domain.Client, s domain.Store) string {
	return welcome(c) + "\n\n" + text(c, txtStoreIntro, s.StoreName, s.Address.String())
}
