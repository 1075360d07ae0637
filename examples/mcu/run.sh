#!/bin/sh
# make mcu: builds the Cortex-M4F example (arm-none-eabi-gcc, newlib-nano, -Os, float ABI hard)
# and runs it on QEMU's mps2-an386 board with semihosting; prints its output and its footprint
# (flash = text + data, RAM = data + bss + peak stack). Fails if it does not build, does not fit
# the linker script's 64 KiB flash / 16 KiB RAM, or exits nonzero (REINFORCE off the exact
# gradient, or a fault). Installs nothing: .ci/run installs gcc-arm-none-eabi,
# libnewlib-arm-none-eabi and qemu-system-arm.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/mcu
CC=${MCU_CC:-arm-none-eabi-gcc}
SIZE=$(echo "$CC" | sed 's/gcc$/size/')
for t in "$CC" "$SIZE" qemu-system-arm; do
    command -v "$t" >/dev/null 2>&1 || { echo "mcu: $t is not installed (.ci/run installs it)"; exit 1; }
done
mkdir -p "$OUT"
"$CC" -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb -std=c99 -Os \
    -Wall -Wextra -pedantic -Werror -fno-math-errno -ffunction-sections -fdata-sections \
    -specs=nano.specs -specs=nosys.specs -nostartfiles -Wl,--gc-sections \
    -Wl,-T,examples/mcu/mps2-an386.ld -Wl,-Map,"$OUT/mcu.map" \
    examples/mcu/main.c examples/mcu/startup.c -o "$OUT/mcu.elf" -lm
status=0
timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$OUT/mcu.elf" > "$OUT/mcu.out" 2>&1 || status=$?
cat "$OUT/mcu.out"
# text data bss of the linked program
set -- $("$SIZE" "$OUT/mcu.elf" | awk 'NR == 2 { print $1, $2, $3 }')
stack=$(sed -n 's/.*peak stack \([0-9]*\) B.*/\1/p' "$OUT/mcu.out")
echo "mcu: flash $(( $1 + $2 )) B (text $1, data $2); RAM $(( $2 + $3 + ${stack:-0} )) B" \
     "(data $2, bss $3, peak stack ${stack:-?})"
if [ "$status" != 0 ]; then echo "mcu: the program failed (exit $status)"; exit 1; fi
