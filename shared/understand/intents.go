package understand

import "sort"

// Intent is something a customer asks for besides items: see the menu, check out, pay by
// PIX... The caller decides what each intent means in the current conversation state.
type Intent string

// The intents Parse recognises. The examples are messages (or parts of messages) that
// produce them.
const (
	IntentMenu        Intent = "menu"         // "quero ver o cardápio", "menu", "what do you have"
	IntentCart        Intent = "cart"         // "meu carrinho", "can I see my cart", "o que eu pedi"
	IntentCheckout    Intent = "checkout"     // "pode fechar o pedido?", "é só isso", "that's all"
	IntentCancel      Intent = "cancel"       // "cancelar", "cancela tudo", "forget it" (not "cancela a coca")
	IntentBack        Intent = "back"         // "voltar", "go back"
	IntentHelp        Intent = "help"         // "ajuda", "não entendi", "como funciona", "help me"
	IntentHuman       Intent = "human"        // "falar com atendente", "talk to someone"
	IntentChangeStore Intent = "change_store" // "trocar de loja", "outra loja", "switch store"
	IntentYes         Intent = "yes"          // "sim", "pode", "isso mesmo", "yes please", 👍
	IntentNo          Intent = "no"           // "não", "nao obrigado", "nope"
	IntentDelivery    Intent = "delivery"     // "entrega", "quero que entregue", "delivery"
	IntentPickup      Intent = "pickup"       // "vou retirar na loja", "vou buscar", "pickup please"
	IntentPayPIX      Intent = "pay_pix"      // "pix"
	IntentPayCredit   Intent = "pay_credit"   // "crédito", "no cartão", "pay by card"
	IntentPayDebit    Intent = "pay_debit"    // "débito", "debit card"
	IntentGreeting    Intent = "greeting"     // "oi", "bom dia", "hello"
	IntentThanks      Intent = "thanks"       // "obrigado", "valeu", "thanks"
	IntentClearCart   Intent = "clear_cart"   // "limpar carrinho", "empty my cart", "tira tudo"
)

// Phrase prefixes in the table below:
//
//	"!" the phrase is also a removal verb: "cancela a coca", "retirar a coca" and "take out
//	    one fries" remove an item, and then the intent is not reported;
//	"?" yes/no words: they count only at the start of the message and when followed by
//	    nothing, punctuation, "please", or another yes/no, thanks, greeting or checkout
//	    phrase — so "pode tirar a coca" is not a yes and "no cartão" is not a no;
//	"=" the phrase must be the whole message ("s", "n").
//
// Between the words of a phrase, articles and possessives may appear ("trocar de loja",
// "fechar o meu pedido", "empty my cart"). At each position the longest phrase wins.
var intentTable = []struct {
	intent  Intent
	phrases []string
}{
	{IntentMenu, []string{"cardapio", "cardapios", "menu", "menus", "catalogo", "o que tem",
		"o que voces tem", "o que vcs tem", "o que tem hoje", "oque tem", "que tem hoje",
		"quais as opcoes", "quais opcoes", "ver opcoes", "quais sabores", "que sabores",
		"fazer pedido", "fazer um pedido", "what do you have", "what have you got",
		"what you got", "what do you sell", "what s available", "what is available"}},
	{IntentCart, []string{"carrinho", "cart", "sacola", "basket", "meu pedido", "my order",
		"o que eu pedi", "que eu pedi", "o que pedi", "what did i order", "what i ordered",
		"what have i ordered", "resumo", "resumo pedido", "ver pedido", "ver meu pedido",
		"quanto ta", "quanto esta", "quanto fica", "quanto ficou", "quanto deu", "qual o total",
		"qual total", "valor total", "how much", "what s the total", "whats the total"}},
	{IntentCheckout, []string{"fechar", "fecha", "fechar pedido", "fecha pedido", "pode fechar",
		"fechar conta", "finalizar", "finaliza", "finalizar pedido", "finalizar compra",
		"so isso", "e so isso", "so isso mesmo", "somente isso", "apenas isso",
		"nada mais", "mais nada", "concluir", "concluir pedido", "terminar", "terminei", "acabei",
		"pronto", "confirmar pedido", "confirma pedido", "checkout", "check out", "that s all",
		"thats all", "that is all", "that s it", "thats it", "that will be all", "i m done",
		"im done", "i am done", "done", "finish", "finish order", "place order", "place my order",
		"complete order", "nothing else", "confirm order"}},
	{IntentCancel, []string{"!cancelar", "!cancela", "!cancel", "cancelar tudo", "cancela tudo",
		"cancel everything", "cancel all", "cancelar pedido", "cancela pedido", "cancel order",
		"forget it", "esquece", "esquece tudo", "deixa pra la", "deixa para la", "desisto",
		"desistir", "never mind", "nevermind"}},
	{IntentBack, []string{"voltar", "volta", "volte", "back", "go back", "anterior"}},
	{IntentHelp, []string{"ajuda", "ajudar", "help", "nao entendi", "nao entendo", "nao sei",
		"como funciona", "socorro", "como faco", "como faz", "como pedir", "duvida",
		"how does it work", "how does this work", "how it works", "i don t understand",
		"don t understand", "dont understand", "i m confused", "confused"}},
	{IntentHuman, []string{"atendente", "atendentes", "falar com", "humano", "pessoa real",
		"uma pessoa", "atendimento humano", "gerente", "suporte", "human", "talk to",
		"speak to", "speak with", "talk with", "real person", "someone", "agent", "operator",
		"representative"}},
	{IntentChangeStore, []string{"trocar loja", "mudar loja", "outra loja", "trocar unidade",
		"mudar unidade", "outra unidade", "trocar restaurante", "mudar restaurante",
		"outro restaurante", "change store", "switch store", "another store", "other store",
		"different store", "change restaurant", "switch restaurant", "another restaurant",
		"change shop", "switch shop"}},
	{IntentYes, []string{"?sim", "?pode", "?pode sim", "?sim pode", "?isso", "?isso mesmo",
		"?isso ai", "?e isso", "?isso sim", "?confirmo", "?confirmar", "?confirma", "?confirmado",
		"?ok", "?okay", "?oki", "?okk", "?blz", "?beleza", "?certo", "?ta certo", "?ta bom",
		"?ta", "?correto", "?exato", "?claro", "?claro que sim", "?com certeza", "?pode ser",
		"?bora", "?fechado", "?positivo", "?perfeito", "?uhum", "?aham", "?yes", "?yep",
		"?yeah", "?yup", "?ya", "?sure", "?of course", "?go ahead", "?correct", "?right",
		"?confirm", "?yes please", "?sim por favor", "=s", "=y"}},
	{IntentNo, []string{"?nao", "?no", "?nope", "?nah", "?negativo", "?nao obrigado",
		"?nao obrigada", "?no thanks", "?no thank you", "?agora nao", "?not now", "?nao quero",
		"?errado", "?incorreto", "?wrong", "?nao pode", "=n"}},
	{IntentDelivery, []string{"entrega", "entregar", "entregue", "entregam", "entregas",
		"tele entrega", "delivery", "deliver", "delivered"}},
	{IntentPickup, []string{"!retirar", "!retira", "retirada", "retiro", "vou buscar", "buscar",
		"busco", "pickup", "pick up", "pick it up", "take away", "takeaway", "!take out",
		"takeout", "para levar", "pra levar", "para viagem", "pra viagem", "no balcao",
		"collect"}},
	{IntentPayPIX, []string{"pix", "piks"}},
	{IntentPayCredit, []string{"credito", "cartao credito", "credit", "credit card", "card",
		"cartao", "cartoes"}},
	{IntentPayDebit, []string{"debito", "cartao debito", "debit", "debit card"}},
	{IntentGreeting, []string{"oi", "oii", "oie", "ola", "bom dia", "boa tarde", "boa noite",
		"hi", "hii", "hello", "hey", "hola", "opa", "e ai", "eai", "salve", "alo",
		"good morning", "good afternoon", "good evening"}},
	{IntentThanks, []string{"obrigado", "obrigada", "obg", "brigado", "brigada", "valeu", "vlw",
		"thanks", "thank you", "thank u", "thx", "ty", "muito obrigado", "agradeco", "grato",
		"grata"}},
	{IntentClearCart, []string{"limpar carrinho", "limpa carrinho", "esvaziar carrinho",
		"esvazia carrinho", "zerar carrinho", "zera carrinho", "apagar carrinho",
		"cancelar carrinho", "cancela carrinho", "clear cart", "empty cart", "reset cart",
		"tira tudo", "tirar tudo", "remove everything", "remove all", "limpar tudo",
		"limpa tudo", "comecar de novo", "recomecar", "start over"}},
}

// phraseCond says when a phrase counts.
type phraseCond uint8

const (
	condAlways phraseCond = iota
	condLead              // yes/no: only at the start of the message, standing alone
	condWhole             // only as the whole message
)

type phrase struct {
	words     []string
	intent    Intent
	removable bool
	cond      phraseCond
}

var (
	// phrasesByFirst indexes phrases by their first word, longest first.
	phrasesByFirst = map[string][]*phrase{}
	// intentVocab holds every phrase word; intentFuzzy those long enough for typo correction.
	intentVocab = map[string]bool{}
	intentFuzzy []string
	// phraseSkip may appear between the words of a phrase.
	phraseSkip = wordSet("a", "o", "as", "os", "um", "uma", "de", "do", "da", "dos", "das", "the",
		"my", "meu", "minha", "meus", "minhas", "your", "seu", "sua", "pro", "pra", "para", "no", "na")
	// leadFiller may follow a yes/no word ("yes please", "sim por favor", "isso mesmo").
	leadFiller = wordSet("please", "pls", "plz", "por", "pf", "pfv", "mesmo", "entao", "man",
		"moco", "moca")
	// leadFollow are the intents that may follow a yes/no word directly ("ok pode fechar").
	leadFollow = map[Intent]bool{IntentYes: true, IntentNo: true, IntentThanks: true,
		IntentCheckout: true, IntentGreeting: true}
)

func init() {
	fz := map[string]bool{}
	for _, row := range intentTable {
		for _, s := range row.phrases {
			p := &phrase{intent: row.intent}
			switch s[0] {
			case '!':
				p.removable, s = true, s[1:]
			case '?':
				p.cond, s = condLead, s[1:]
			case '=':
				p.cond, s = condWhole, s[1:]
			}
			for _, t := range tokenize(s) {
				p.words = append(p.words, t.text)
				intentVocab[t.text] = true
				if len(t.text) >= 6 {
					fz[t.text] = true
				}
			}
			phrasesByFirst[p.words[0]] = append(phrasesByFirst[p.words[0]], p)
		}
	}
	for _, ps := range phrasesByFirst {
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].words) > len(ps[j].words) })
	}
	intentFuzzy = sortedKeys(fz)
}

// intentMatch is one phrase found in a message, over tokens [start, end).
type intentMatch struct {
	intent     Intent
	start, end int
	removable  bool
	dropped    bool // used as a removal verb instead
}

// intentWord is the form of a message word for phrase matching: the word itself, or the
// phrase word it is a typo of ("cardapo" -> "cardapio"), when the word is not a menu word.
func (p *parser) intentWord(i int) string {
	t := p.toks[i].text
	if intentVocab[t] || len(t) < 6 || functional(t) || p.l.vocab[p.canon[i]] {
		return t
	}
	if w, d, ok := nearest(t, intentFuzzy); ok && d <= 1 {
		return w
	}
	return t
}

// matchPhrase reports where phrase ph ends when it starts at token i, or -1.
func (p *parser) matchPhrase(ph *phrase, i int) int {
	j := i + 1
	for k := 1; k < len(ph.words); k++ {
		for skips := 0; j < len(p.toks) && p.iw[j] != ph.words[k] && phraseSkip[p.toks[j].text] && skips < 2; skips++ {
			j++
		}
		if j >= len(p.toks) || p.iw[j] != ph.words[k] {
			return -1
		}
		j++
	}
	return j
}

// bestPhrase is the phrase covering the most tokens from i.
func (p *parser) bestPhrase(i int) (*phrase, int) {
	var best *phrase
	bestEnd := -1
	for _, ph := range phrasesByFirst[p.iw[i]] {
		if e := p.matchPhrase(ph, i); e > bestEnd {
			best, bestEnd = ph, e
		}
	}
	return best, bestEnd
}

// matchIntents finds every intent phrase, left to right, longest first. A whole item name
// of two words or more takes precedence, so an item called "Menu Kids" is an item.
func (p *parser) matchIntents() {
	n := len(p.toks)
	p.iw = make([]string, n)
	p.intentAt = make([]int, n)
	for i := range p.toks {
		p.iw[i] = p.intentWord(i)
		p.intentAt[i] = -1
	}
	lead := true // every token so far belongs to an intent phrase
	for i := 0; i < n; {
		if l := p.fullItemLen(i); l >= 2 {
			lead = false
			i += l
			continue
		}
		ph, end := p.bestPhrase(i)
		if ph != nil && !p.condOK(ph, i, end, lead) {
			ph = nil
		}
		if ph == nil {
			lead = false
			i++
			continue
		}
		p.matches = append(p.matches, intentMatch{intent: ph.intent, start: i, end: end, removable: ph.removable})
		for j := i; j < end; j++ {
			p.intentAt[j] = len(p.matches) - 1
		}
		i = end
	}
}

func (p *parser) condOK(ph *phrase, i, end int, lead bool) bool {
	switch ph.cond {
	case condWhole:
		return i == 0 && end == len(p.toks)
	case condLead:
		if !lead {
			return false
		}
		if end == len(p.toks) || p.toks[end].brk != brkNone || leadFiller[p.toks[end].text] {
			return true
		}
		next, _ := p.bestPhrase(end)
		return next != nil && next.cond != condWhole && leadFollow[next.intent]
	}
	return true
}

// intents lists the intents found, in order of appearance, without duplicates.
func (p *parser) intents() []Intent {
	var out []Intent
	for _, m := range p.matches {
		if m.dropped {
			continue
		}
		dup := false
		for _, x := range out {
			dup = dup || x == m.intent
		}
		if !dup {
			out = append(out, m.intent)
		}
	}
	return out
}
