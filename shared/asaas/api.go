package asaas

import (
	"context"
	"net/http"
	"net/url"
)

// FindCustomers lists the customers whose externalReference is ref (GET /customers), deleted
// ones included when Asaas lists them: see Customer.Deleted.
func (c *Client) FindCustomers(ctx context.Context, ref string) ([]Customer, error) {
	var l List[Customer]
	if err := c.do(ctx, http.MethodGet, "/customers?"+url.Values{"externalReference": {ref}}.Encode(), nil, &l); err != nil {
		return nil, err
	}
	return l.Data, nil
}

// CreateCustomer creates a customer (POST /customers). Never retried: see UnknownOutcomeError.
func (c *Client) CreateCustomer(ctx context.Context, r CustomerRequest) (*Customer, error) {
	var out Customer
	if err := c.do(ctx, http.MethodPost, "/customers", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateCustomer changes the fields of r that are set on customer id (PUT /customers/{id}).
func (c *Client) UpdateCustomer(ctx context.Context, id string, r CustomerRequest) (*Customer, error) {
	var out Customer
	if err := c.do(ctx, http.MethodPut, "/customers/"+url.PathEscape(id), r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindPayments lists the payments whose externalReference is ref (GET /payments).
func (c *Client) FindPayments(ctx context.Context, ref string) ([]Payment, error) {
	var l List[Payment]
	if err := c.do(ctx, http.MethodGet, "/payments?"+url.Values{"externalReference": {ref}}.Encode(), nil, &l); err != nil {
		return nil, err
	}
	return l.Data, nil
}

// CreatePayment creates a payment (POST /payments). Never retried: see UnknownOutcomeError.
func (c *Client) CreatePayment(ctx context.Context, r PaymentRequest) (*Payment, error) {
	var out Payment
	if err := c.do(ctx, http.MethodPost, "/payments", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPayment returns payment id (GET /payments/{id}), a deleted one included.
func (c *Client) GetPayment(ctx context.Context, id string) (*Payment, error) {
	var out Payment
	if err := c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PixQrCode returns a PIX payment's QR code (GET /payments/{id}/pixQrCode).
func (c *Client) PixQrCode(ctx context.Context, id string) (*PixQrCode, error) {
	var out PixQrCode
	if err := c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(id)+"/pixQrCode", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RefundPayment refunds a received payment (POST /payments/{id}/refund) and returns it.
func (c *Client) RefundPayment(ctx context.Context, id string, r RefundRequest) (*Payment, error) {
	var out Payment
	if err := c.do(ctx, http.MethodPost, "/payments/"+url.PathEscape(id)+"/refund", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePayment removes a payment that is not paid (DELETE /payments/{id}).
func (c *Client) DeletePayment(ctx context.Context, id string) (*Deleted, error) {
	var out Deleted
	if err := c.do(ctx, http.MethodDelete, "/payments/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
