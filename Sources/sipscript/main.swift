import SIPScript

print("sipscript")
