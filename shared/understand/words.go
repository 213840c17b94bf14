package understand

// Word classes, in normalized form. They are what lets the parser read a sentence rather
// than look for keywords: verbs set whether items are added or removed, quantities and
// articles attach to the next item, markers introduce options, and stop words are never
// part of a menu match or of an "unknown" item.

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// stopWords never identify an item on their own and are never reported as unknown.
var stopWords = wordSet(
	// pt
	"o", "a", "os", "as", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das", "no", "na",
	"nos", "nas", "em", "e", "ou", "com", "sem", "pra", "pro", "para", "por", "favor", "pf", "pfv",
	"me", "mim", "eu", "voce", "vc", "voces", "vcs", "ai", "aqui", "la", "que", "qual", "quais",
	"isso", "esse", "essa", "este", "esta", "so", "bem", "muito", "muita", "tambem", "tb", "tbm",
	"ja", "agora", "hoje", "entao", "tipo", "bom", "boa", "tudo", "todo", "toda", "nao", "sim",
	"ve", "ver", "vou", "por", "porfavor", "gelada", "gelado", "geladinha", "geladinho", "quente",
	"caprichada", "caprichado", "litro", "litros", "l", "ml", "x", "vez", "tem", "ter", "pode",
	"poderia", "mesmo", "ate", "seu", "sua", "meu", "minha", "nossa", "ne", "ta", "aquela",
	"aquele", "deles", "dele", "dela", "lo", "la", "pedido", "gente", "moco", "moca", "meia",
	// en
	"the", "an", "of", "and", "or", "with", "without", "for", "to", "in", "on", "at", "please",
	"pls", "plz", "i", "my", "you", "we", "some", "any", "just", "only", "too", "it", "this",
	"that", "there", "here", "can", "could", "would", "will", "ll", "d", "s", "m", "t", "is",
	"are", "be", "do", "does", "did", "what", "how", "much", "many", "extra", "cold", "hot",
	"also", "more", "one", "yes", "no", "not", "ok", "order", "u", "me", "im", "id", "so",
	"very", "really", "well", "uh", "um", "hmm", "oh", "hey", "pay", "by", "pagar", "pagamento",
	"loja", "store", "saber", "preco", "valor", "quanto", "custa", "fica", "sabor", "tamanho",
	"size", "price", "cost", "know", "see", "check", "ask", "falar", "olhar", "look",
	"mudar", "favorzinho", "rapido", "urgente", "por", "aquele", "ate", "hein",
)

// addVerbs make the following items additions, and an unmatched noun after them an
// unknown item ("quero uma lasanha").
var addVerbs = wordSet(
	"quero", "queria", "quer", "querer", "quiser", "gostaria", "manda", "mande", "mandar",
	"traz", "traga", "trazer", "pede", "peco", "pedir", "adiciona", "adicione", "adicionar",
	"acrescenta", "acrescente", "acrescentar", "coloca", "coloque", "colocar", "bota", "bote",
	"botar", "poe", "inclui", "inclua", "incluir", "mais", "outra", "outro", "outras", "outros",
	"preciso", "desce", "sai", "want", "wanna", "like", "get", "have", "give", "add", "bring",
	"need", "take", "another", "gimme",
)

// removeVerbs make the following items removals until another verb.
var removeVerbs = wordSet(
	"tira", "tirar", "tire", "tiro", "remove", "remover", "removes", "removing", "remova",
	"delete", "deleta", "deletar", "exclui", "excluir", "exclua", "apaga", "apagar", "apague",
	"drop", "menos",
)

// swapVerbs replace one item by another: "troca a coca por guaraná", "swap the coke for a
// lemonade". The first item is removed, the one after swapWith added.
var (
	swapVerbs = wordSet("troca", "trocar", "troque", "substitui", "substituir", "substitua",
		"swap", "replace")
	swapWith = wordSet("por", "pelo", "pela", "for", "with")
)

// negators before an add verb turn it into a removal ("não quero a coca").
var negators = wordSet("nao", "not", "dont", "don", "nem")

// withoutWords negate the next thing said: an option ("sem borda"), an item ("sem a coca")
// or anything else ("sem cebola"), which is then neither an item nor unknown.
var withoutWords = wordSet("sem", "without")

// optionMarkers introduce options of the item just named ("com borda", "with bacon").
var optionMarkers = wordSet("com", "with", "extra", "plus", "adicional", "acompanhado")

// separators split a message into the things listed ("uma coca e uma calabresa").
var separators = wordSet("e", "and", "ou", "or", "tambem", "also")

// connectors may sit inside an unknown item's name ("pizza de frango").
var connectors = wordSet("de", "do", "da", "of")

// numberWords are quantities said in words. "a"/"an"/"o" are articles: quantity one, but
// not said (so "remove the fries" removes them all, "remove one fries" one).
var numberWords = map[string]int{
	"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
	"sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"a": 1, "an": 1, "o": 1,
}

// articles are the number words that do not count as a quantity said.
var articles = wordSet("a", "an", "o")

// numberPhrases are multi-word quantities, longest first.
var numberPhrases = []struct {
	words []string
	n     int
}{
	{[]string{"half", "a", "dozen"}, 6},
	{[]string{"a", "couple", "of"}, 2},
	{[]string{"meia", "duzia", "de"}, 6},
	{[]string{"uma", "duzia", "de"}, 12},
	{[]string{"meia", "duzia"}, 6},
	{[]string{"uma", "duzia"}, 12},
	{[]string{"a", "dozen"}, 12},
	{[]string{"couple", "of"}, 2},
	{[]string{"a", "couple"}, 2},
	{[]string{"um", "par", "de"}, 2},
	{[]string{"duzia"}, 12},
	{[]string{"dozen"}, 12},
}

// isDigits reports whether t is all ASCII digits.
func isDigits(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// functional reports whether t is a grammar word rather than a possible dish name.
func functional(t string) bool {
	if stopWords[t] || addVerbs[t] || removeVerbs[t] || swapVerbs[t] || negators[t] || withoutWords[t] ||
		optionMarkers[t] || separators[t] || isDigits(t) {
		return true
	}
	_, ok := numberWords[t]
	return ok
}

// contentWord reports whether t may identify a dish on its own: not a grammar word, at
// least 3 letters.
func contentWord(t string) bool {
	return len(t) >= 3 && !functional(t)
}

// digitNames maps number words to digits inside names, so "4 queijos" and "quatro queijos"
// are the same pizza. Articles and "um"/"uma"/"one" are left alone.
var digitNames = map[string]string{
	"dois": "2", "duas": "2", "tres": "3", "quatro": "4", "cinco": "5", "seis": "6", "sete": "7",
	"oito": "8", "nove": "9", "dez": "10", "two": "2", "three": "3", "four": "4", "five": "5",
	"six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}

// canonWord is the form a word takes for matching names: number words as digits, grammar
// words as they are, anything else without its plural "s".
func canonWord(t string) string {
	if d, ok := digitNames[t]; ok {
		return d
	}
	if functional(t) {
		return t
	}
	return stem(t)
}
