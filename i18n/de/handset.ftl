app-name = Handset
app-description = Ein natives Desktop-Softphone mit integrierter SIP-Kontoverwaltung

## SIP account sections
section-general = Allgemein
section-inbound = Eingehende Anrufe
section-outbound = Ausgehende Anrufe
section-recording = Anrufaufzeichnung
section-advanced = Erweitert
