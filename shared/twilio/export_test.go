package twilio

import twiliogo "github.com/twilio/twilio-go"

// CachedClients reports how many twilio-go clients m keeps.
func CachedClients(m *Messenger) int { return m.cachedClients() }

// CachedClient returns the twilio-go client m keeps for a brand's account, nil when none.
func CachedClient(m *Messenger, clientID, accountSID string) *twiliogo.RestClient {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clients[clientKey{clientID, accountSID}]; ok {
		return c.rc
	}
	return nil
}
