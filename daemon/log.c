typedef int va_placeholder_t;
