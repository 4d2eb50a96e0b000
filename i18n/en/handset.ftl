app-name = Handset
app-description = A native desktop softphone with a built-in SIP account manager

## SIP account sections
section-general = General
section-inbound = Inbound Calls
section-outbound = Outbound Calls
section-recording = Call Recording
section-advanced = Advanced
