package conversation

import (
	"fmt"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
)

// textID names a bot text in the catalog.
type textID string

// The bot's texts. Each has a version in every language the platform speaks (a test checks
// it); arguments are listed beside each id, in order.
const (
	txtDefaultWelcome   textID = "default_welcome"    // client name; when the brand set no welcomeMessage
	txtChooseStore      textID = "choose_store"       // client name, numbered store list
	txtChangeStore      textID = "change_store"       // numbered store list
	txtInvalidChoice    textID = "invalid_choice"     // numbered store list
	txtStoreIntro       textID = "store_intro"        // store name, store address
	txtStoreUnavailable textID = "store_unavailable"  // store name, numbered store list
	txtStoreGoneChoose  textID = "store_gone_choose"  // numbered store list (store deleted: no name)
	txtStoreUnavailNone textID = "store_unavail_none" // store name (no other store to offer)
	txtNoStore          textID = "no_store"           // client name
	// txtInConversation stands in for the menu and cart flow until it exists: it says
	// honestly where the customer is and how to change store. The engine replaces it.
	txtInConversation textID = "in_conversation" // store name
	txtOptOut         textID = "opt_out"         // client name
	txtOptIn          textID = "opt_in"          // client name
	txtInactiveClient textID = "inactive_client" // client name
)

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
	txtInConversation: {
		domain.PtBR: "Você está falando com a loja %s. Em breve você poderá ver o cardápio e fazer seu pedido por aqui. Se quiser trocar de loja, envie \"trocar de loja\".",
		domain.EnUS: "You're talking to our %s store. Soon you'll be able to see the menu and order right here. To change store, send \"change store\".",
	},
	txtOptOut: {
		domain.PtBR: "Tudo bem! Você não receberá mais mensagens de %s. Se mudar de ideia, é só enviar VOLTAR.",
		domain.EnUS: "Done! You won't receive any more messages from %s. If you change your mind, just send START.",
	},
	txtOptIn: {
		domain.PtBR: "Que bom ter você de volta! Você voltará a receber mensagens de %s. Envie qualquer mensagem para continuar.",
		domain.EnUS: "Welcome back! You'll receive messages from %s again. Send any message to continue.",
	},
	txtInactiveClient: {
		domain.PtBR: "Olá! Obrigado pelo contato. No momento o atendimento de %s pelo WhatsApp não está disponível. Pedimos desculpas pelo transtorno.",
		domain.EnUS: "Hi! Thank you for reaching out. %s is not taking messages on WhatsApp at the moment. We apologise for the inconvenience.",
	},
}

// text renders id in lang. A language without a version falls back to pt-BR, the
// platform's home language (clients are validated to pt-BR or en-US, so this is a guard).
func text(lang domain.Language, id textID, args ...any) string {
	versions := catalog[id]
	f, ok := versions[lang]
	if !ok {
		f = versions[domain.PtBR]
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
func welcome(c *domain.Client) string {
	if w := strings.TrimSpace(c.WelcomeMessage); w != "" {
		return w
	}
	return text(c.DefaultLanguage, txtDefaultWelcome, c.ClientName)
}

// greeting opens a conversation with a store: the brand's welcome and which store answers.
func greeting(c *domain.Client, s domain.Store) string {
	return welcome(c) + "\n\n" + text(c.DefaultLanguage, txtStoreIntro, s.StoreName, s.Address.String())
}
