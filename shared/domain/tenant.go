package domain

import (
	"context"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

type tenantKey struct{}

// NewContextWithTenant returns ctx carrying clientID as the tenant resolved at the edge (the
// webhook from the number called, the admin API from the token). Everything downstream reads
// it from here rather than trusting identifiers found in payloads.
func NewContextWithTenant(ctx context.Context, clientID string) context.Context {
	return context.WithValue(ctx, tenantKey{}, clientID)
}

// TenantFromContext returns the tenant carried by ctx, or "" when none was resolved (platform
// scope: only the lookup of a client by its number runs there).
func TenantFromContext(ctx context.Context) string {
	v, _ := ctx.Value(tenantKey{}).(string)
	return v
}

// CheckTenant returns EFORBIDDEN when ctx carries a tenant other than clientID, and EINVALID
// when clientID is not a valid id. Repositories call it on every operation, so a bug that
// passes another brand's id cannot reach that brand's items.
func CheckTenant(ctx context.Context, clientID string) error {
	if err := resourcenames.ValidateID("clientId", clientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if t := TenantFromContext(ctx); t != "" && t != clientID {
		return Errorf(EFORBIDDEN, "tenant %q may not access client %q", t, clientID)
	}
	return nil
}
