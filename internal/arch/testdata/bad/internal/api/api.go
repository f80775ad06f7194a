package api

import (
	_ "github.com/khien-project/khien/internal/feature/trust"
	_ "github.com/khien-project/khien/internal/web"
)
