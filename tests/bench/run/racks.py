"""A small simulated rack and a short profile, for the tests of rack runs and rack commands."""

SMALL_RACK = '''name = "Three-bank rack"

[instruments.loads]
driver = "keysight-n3300a"
resource = "sim://"
model = "N3300A"

[instruments.psu]
driver = "rigol-dp800"
resource = "sim://"
model = "DP832"

[instruments.tc]
driver = "keysight-34970a"
resource = "sim://"

[instruments.tc2]
driver = "keysight-34970a"
resource = "sim://"

[[channels]]
name = "A"
load = "loads:1"
supply = "psu:1"
temperatures = { cell = "tc:101", surface = "tc:102" }

[[channels]]
name = "B"
load = "loads:2"
supply = "psu:2"
temperatures = { cell = "tc:103", surface = "tc:104" }

[[channels]]
name = "C"
load = "loads:3"
supply = "psu:3"
temperatures = { cell = "tc2:101", surface = "tc2:102" }

[limits]
max_voltage = "21 V"
max_current = "8 A"
max_power = "60 W"
max_temperature = "70 degC"

[faults]
grace = "5 s"

[world]
dut = "powerbank-10000"
seed = 1
ambient = "25 degC"
'''
SHORT = '''name = "Short bank run"
period = "10 s"
steps = [
    { step = "Discharge at 1 A for 20 min", name = "discharge" },
    "Charge at 5 V, 2.5 A limit for 10 min",
]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered"
metric = "discharge capacity"
step = "discharge"
min = "300 mAh"
'''
