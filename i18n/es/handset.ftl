app-name = Handset
app-description = Un softphone nativo de escritorio con gestor de cuentas SIP integrado

## SIP account sections
section-general = General
section-inbound = Llamadas entrantes
section-outbound = Llamadas salientes
section-recording = Grabación de llamadas
section-advanced = Avanzado
