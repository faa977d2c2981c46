package sandbox

import (
	"net/url"
	"strconv"
)

// Links and Meta are DigitalOcean's list envelope.
type Links struct {
	Pages   *Pages       `json:"pages,omitempty"`
	Actions []LinkAction `json:"actions,omitempty"`
}

// Pages holds absolute URLs; next/last are absent on the last page and
// first/prev on the first, as DigitalOcean does.
type Pages struct {
	First string `json:"first,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last,omitempty"`
}

// LinkAction points at an action started by a request.
type LinkAction struct {
	ID   int    `json:"id"`
	Rel  string `json:"rel"`
	HREF string `json:"href"`
}

// Meta carries the total number of items across all pages.
type Meta struct {
	Total int `json:"total"`
}

const (
	defaultPerPage = 20
	maxPerPage     = 200
)

// pageOf returns the slice of items for the request's page and per_page
// (default 20, at most 200) with the links and meta to send along.
func pageOf[T any](c *call, items []T) ([]T, Links, Meta) {
	q := c.r.URL.Query()
	perPage := atoiOr(q.Get("per_page"), defaultPerPage)
	if perPage < 1 {
		perPage = defaultPerPage
	}
	if perPage > maxPerPage {
		perPage = maxPerPage
	}
	page := atoiOr(q.Get("page"), 1)
	if page < 1 {
		page = 1
	}
	total := len(items)
	last := (total + perPage - 1) / perPage
	if last < 1 {
		last = 1
	}
	start := (page - 1) * perPage
	if start > total {
		start = total
	}
	end := start + perPage
	if end > total {
		end = total
	}

	link := func(p int) string {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(perPage))
		return c.baseURL() + c.r.URL.Path + "?" + v.Encode()
	}
	var pages Pages
	if page > 1 {
		pages.First = link(1)
		pages.Prev = link(min(page-1, last))
	}
	if page < last {
		pages.Next = link(page + 1)
		pages.Last = link(last)
	}
	links := Links{}
	if pages != (Pages{}) {
		links.Pages = &pages
	}
	return items[start:end], links, Meta{Total: total}
}

// listBody is the body of a list response: {"<key>": [...], "links", "meta"}.
func listBody[T any](c *call, key string, items []T) map[string]any {
	page, links, meta := pageOf(c, items)
	if page == nil {
		page = []T{}
	}
	return map[string]any{key: page, "links": links, "meta": meta}
}

func atoiOr(s string, fallback int) int {
	if s == "" {
		return fallback
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fallback
	}
	return n
}
