package web

import "github.com/khien-project/khien/internal/platform/store"

var errNotFound = store.ErrNotFound
