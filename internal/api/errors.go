package api

import "github.com/khien-project/khien/internal/store"

var errForbidden = store.ErrForbidden
