package admin

import (
	"fmt"

	"github.com/wabot-platform/wabot/shared/domain"
)

// StoreInput is a store's editable configuration: the body of a creation (every field) and
// of a change (absent fields stay as they are). A store's POS queue is provisioned by its
// TenantStore construct; a store can be activated only once it has one.
type StoreInput struct {
	StoreID        *string                 `json:"storeId,omitempty"`
	StoreName      *string                 `json:"storeName,omitempty"`
	Address        *domain.Address         `json:"address,omitempty"`
	PhoneNumber    *string                 `json:"phoneNumber,omitempty"`
	Timezone       *string                 `json:"timezone,omitempty"`
	OperatingHours *domain.OperatingHours  `json:"operatingHours,omitempty"`
	DeliveryConfig *domain.DeliveryConfig  `json:"deliveryConfig,omitempty"`
	PaymentMethods *[]domain.PaymentMethod `json:"paymentMethods,omitempty"`
	CardOnline     *bool                   `json:"cardOnline,omitempty"`
	Active         *bool                   `json:"active,omitempty"`
}

func (in StoreInput) apply(s *domain.Store) {
	if in.StoreName != nil {
		s.StoreName = *in.StoreName
	}
	if in.Address != nil {
		s.Address = *in.Address
	}
	if in.PhoneNumber != nil {
		s.PhoneNumber = *in.PhoneNumber
	}
	if in.Timezone != nil {
		s.Timezone = *in.Timezone
	}
	if in.OperatingHours != nil {
		s.OperatingHours = *in.OperatingHours
	}
	if in.DeliveryConfig != nil {
		s.DeliveryConfig = *in.DeliveryConfig
	}
	if in.PaymentMethods != nil {
		s.PaymentMethods = *in.PaymentMethods
	}
	if in.CardOnline != nil {
		s.CardOnline = *in.CardOnline
	}
	if in.Active != nil {
		s.IsActive = *in.Active
	}
}

// StoreList is a brand's stores.
type StoreList struct {
	Stores []domain.Store `json:"stores"`
}

func storeNotFound(err error) error {
	if domain.IsNotFound(err) {
		return errNotFound("no such store")
	}
	return err
}

// brandExists answers 404 for a brand that does not exist (a platform admin's typo), so
// routes under it do not answer as if it were an empty brand.
func (c *call) brandExists() (*domain.Client, error) {
	cl, err := c.h.d.Repos.GetClient(c.ctx, c.clientID)
	if err != nil {
		return nil, brandNotFound(err)
	}
	return cl, nil
}

func (c *call) listStores() (any, error) {
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	stores, err := c.h.d.Repos.ListStores(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	if stores == nil {
		stores = []domain.Store{}
	}
	return StoreList{Stores: stores}, nil
}

func (c *call) createStore() (any, error) {
	var in StoreInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	s := &domain.Store{ClientID: c.clientID}
	if in.StoreID != nil {
		s.StoreID = *in.StoreID
	}
	in.apply(s)
	if s.IsActive {
		return nil, domain.InvalidField("active", "a new store starts inactive: activate it once its TenantStore construct has provisioned its POS queue")
	}
	if err := c.h.d.Repos.CreateStore(c.ctx, s); err != nil {
		if domain.IsConflict(err) {
			return nil, errConflict(fmt.Sprintf("store %q exists", s.StoreID))
		}
		return nil, err
	}
	c.audit(c.ctx, "store.create", "brands/"+c.clientID+"/stores/"+s.StoreID, nil, s)
	c.etag = etagOf(s.Version)
	return s, nil
}

func (c *call) getStore() (any, error) {
	s, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, c.param("storeId"))
	if err != nil {
		return nil, storeNotFound(err)
	}
	c.etag = etagOf(s.Version)
	return s, nil
}

func (c *call) patchStore() (any, error) {
	version, err := c.ifMatch()
	if err != nil {
		return nil, err
	}
	var in StoreInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.StoreID != nil && *in.StoreID != c.param("storeId") {
		return nil, domain.InvalidField("storeId", "cannot change: it is the store's key")
	}
	var before domain.Store
	after, err := c.h.d.Repos.UpdateStore(c.ctx, c.clientID, c.param("storeId"), func(s *domain.Store) error {
		if s.Version != version {
			return errStale(fmt.Sprintf("the store is at version %d, not %d: read it again", s.Version, version))
		}
		before = *s
		in.apply(s)
		if s.IsActive && !before.IsActive && s.SQSQueueURL == "" {
			return errConflict("the store has no POS queue yet: deploy its TenantStore construct, then activate it")
		}
		return nil
	})
	if err != nil {
		return nil, storeNotFound(err)
	}
	c.audit(c.ctx, "store.update", "brands/"+c.clientID+"/stores/"+after.StoreID, &before, after)
	c.etag = etagOf(after.Version)
	return after, nil
}

func (c *call) deleteStore() (any, error) {
	s, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, c.param("storeId"))
	if err != nil {
		return nil, storeNotFound(err)
	}
	if s.IsActive {
		return nil, errConflict("the store is active: deactivate it first (customers mapped to it are asked to choose another)")
	}
	if err := c.h.d.Repos.DeleteStore(c.ctx, c.clientID, s.StoreID); err != nil {
		return nil, storeNotFound(err)
	}
	c.audit(c.ctx, "store.delete", "brands/"+c.clientID+"/stores/"+s.StoreID, s, nil)
	return nil, nil
}
