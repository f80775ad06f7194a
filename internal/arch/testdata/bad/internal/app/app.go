package app

import (
	_ "github.com/khien-project/khien/internal/web"
)
