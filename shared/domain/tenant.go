package domain

import (
	"context"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

type tenantKey struct{}

// platformScope is the value of tenantKey for code that acts for the platform, not for one
// brand: onboarding and seeding, the lookup of a brand by its number, operators' tools.
type platformScope struct{}

// NewContextWithTenant returns ctx carrying clientID as the tenant resolved at the edge (the
// webhook from the number called, the admin API from the token). Everything downstream reads
// it from here rather than trusting identifiers found in payloads.
func NewContextWithTenant(ctx context.Context, clientID string) context.Context {
	return context.WithValue(ctx, tenantKey{}, clientID)
}

// NewPlatformContext returns ctx in platform scope: it may reach every brand's items. Only
// code that acts for the platform says so (seeding, onboarding, the lookup of a brand by its
// number, operators' tools); a context that says nothing reaches no brand at all.
func NewPlatformContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, tenantKey{}, platformScope{})
}

// TenantFromContext returns the tenant carried by ctx, or "" when none was resolved (no scope,
// or platform scope: see IsPlatformContext).
func TenantFromContext(ctx context.Context) string {
	v, _ := ctx.Value(tenantKey{}).(string)
	return v
}

// IsPlatformContext reports whether ctx was made by NewPlatformContext (and not narrowed to a
// tenant since).
func IsPlatformContext(ctx context.Context) bool {
	_, ok := ctx.Value(tenantKey{}).(platformScope)
	return ok
}

// CheckTenant returns EFORBIDDEN when ctx carries a tenant other than clientID or carries no
// scope at all (it fails closed: a context that lost its tenant on the way reaches nothing),
// and EINVALID when clientID is not a valid id. Repositories call it on every operation, so a
// bug that passes another brand's id, or forgets the tenant, cannot reach a brand's items.
func CheckTenant(ctx context.Context, clientID string) error {
	if err := resourcenames.ValidateID("clientId", clientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if IsPlatformContext(ctx) {
		return nil
	}
	switch t := TenantFromContext(ctx); {
	case t == "":
		return Errorf(EFORBIDDEN, "no tenant in context: access to client %q refused", clientID)
	case t != clientID:
		return Errorf(EFORBIDDEN, "tenant %q may not access client %q", t, clientID)
	}
	return nil
}
