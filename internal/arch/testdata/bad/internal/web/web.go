package web

import (
	_ "github.com/khien-project/khien/internal/api"
)
