package sandbox

import (
	"fmt"
	"net/http"
)

// APIError is DigitalOcean's error body: {"id", "message", "request_id"}.
type APIError struct {
	Status    int    `json:"-"`
	ID        string `json:"id"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.ID, e.Message) }

// errorIDs maps HTTP statuses to the ids DigitalOcean puts in error bodies.
var errorIDs = map[int]string{
	http.StatusBadRequest:          "bad_request",
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "forbidden",
	http.StatusNotFound:            "not_found",
	http.StatusMethodNotAllowed:    "method_not_allowed",
	http.StatusConflict:            "conflict",
	http.StatusPreconditionFailed:  "precondition_failed",
	http.StatusUnprocessableEntity: "unprocessable_entity",
	http.StatusTooManyRequests:     "too_many_requests",
	http.StatusInternalServerError: "server_error",
	http.StatusBadGateway:          "bad_gateway",
	http.StatusServiceUnavailable:  "service_unavailable",
	http.StatusGatewayTimeout:      "gateway_timeout",
}

// defaultMessages are DigitalOcean's texts for errors that carry no detail.
var defaultMessages = map[int]string{
	http.StatusBadRequest:          "error parsing request body",
	http.StatusUnauthorized:        "Unable to authenticate you.",
	http.StatusForbidden:           "You do not have permission to perform this action.",
	http.StatusNotFound:            "The resource you were accessing could not be found.",
	http.StatusMethodNotAllowed:    "Method not allowed.",
	http.StatusConflict:            "The request could not be completed due to a conflict.",
	http.StatusPreconditionFailed:  "A precondition of the request was not met.",
	http.StatusUnprocessableEntity: "request payload validation failed",
	http.StatusTooManyRequests:     "API rate limit exceeded.",
	http.StatusInternalServerError: "Unexpected server-side error",
	http.StatusBadGateway:          "Bad gateway",
	http.StatusServiceUnavailable:  "Service is temporarily unavailable. Please try again later.",
	http.StatusGatewayTimeout:      "Gateway timeout",
}

// apiErr builds an error with DigitalOcean's id for the status. An empty
// message uses DigitalOcean's default text for that status.
func apiErr(status int, format string, args ...any) *APIError {
	id, ok := errorIDs[status]
	if !ok {
		id = "server_error"
	}
	msg := defaultMessages[status]
	if format != "" {
		msg = fmt.Sprintf(format, args...)
	}
	return &APIError{Status: status, ID: id, Message: msg}
}

// Shorthands for the errors handlers return most.
func errNotFound() *APIError { return apiErr(http.StatusNotFound, "") }

func errUnprocessable(format string, args ...any) *APIError {
	return apiErr(http.StatusUnprocessableEntity, format, args...)
}

func errBadRequest(format string, args ...any) *APIError {
	return apiErr(http.StatusBadRequest, format, args...)
}

// errParameterMissing is DigitalOcean's 400 for a required body parameter
// that is absent or empty: it carries its own id, parameter_missing, rather
// than bad_request (seen in digitalocean/droplet_kit#136 for tag resources).
func errParameterMissing(param string) *APIError {
	return &APIError{Status: http.StatusBadRequest, ID: "parameter_missing",
		Message: "param is missing or the value is empty: " + param}
}
