; x87.asm - x87 FPU basics: loads, arithmetic with round-to-nearest,
; compares (FCOM/FNSTSW, FCOMI, FCMOV), FNINIT state, FSAVE/FRSTOR, masked
; and unmasked exceptions: #MF with CR0.NE, #NM with CR0.TS and MP
; (SDM vol. 1, chapter 8; vol. 3, 2.5 and 6.15).
%include "lib.inc"

%define C0 (1 << 8)
%define C1 (1 << 9)
%define C2 (1 << 10)
%define C3 (1 << 14)

; FPSTORE expected, "what": pops ST0 as a single-precision float into
; [tmp] and checks its bits.
%macro FPSTORE 2
	fstp dword [tmp]
	CHECK [tmp], %1, %2
%endmacro

; FIST_CHECK value, "what": pops ST0 as a dword integer and checks it.
%macro FIST_CHECK 2
	fistp dword [tmp]
	CHECK [tmp], %1, %2
%endmacro
; RC_FIST rc, float, value, "what": FISTP with the rounding control rc.
%macro RC_FIST 4
	fninit
	fnstcw [cw]
	and word [cw], ~0x0C00
	or word [cw], %1 << 10
	fldcw [cw]
	fld dword [%2]
	FIST_CHECK %3, %4
%endmacro
; PC_THIRD pc, low, high, "what": 1/3 with the precision control pc,
; stored as a double.
%macro PC_THIRD 4
	fninit
	fnstcw [cw]
	and word [cw], ~0x0300
	or word [cw], %1 << 8
	fldcw [cw]
	fld1
	fild dword [int3]
	fdivp
	fldcw [cw_default]
	fstp qword [tmp]
	CHECK [tmp], %2, %4, " (low)"
	CHECK [tmp + 4], %3, %4, " (high)"
%endmacro

section .text
test_main:
	mov eax, cr0
	and eax, ~(4 | 8)                  ; EM, TS clear
	or eax, 2 | 32                     ; MP, NE
	mov cr0, eax
	fninit
	fnstcw [tmp]
	movzx eax, word [tmp]
	CHECK eax, 0x037F, "FNINIT control word"
	fnstsw ax
	movzx eax, ax
	CHECK eax, 0, "FNINIT status word"
	fnstenv [env]
	movzx eax, word [env + 8]
	CHECK eax, 0xFFFF, "FNINIT tag word: all empty"

	; Arithmetic (values exact in binary, or rounded to nearest even).
	fld1
	fld1
	faddp
	FPSTORE 0x40000000, "1 + 1 = 2.0"
	fild dword [int7]
	fild dword [int3]
	fdivp                              ; 7 / 3
	fld st0
	fistp dword [tmp]
	CHECK [tmp], 2, "FISTP of 7/3 rounds to nearest: 2"
	FPSTORE 0x40155555, "7/3 as a single: 0x40155555"
	fld1
	fild dword [int3]
	fdivp
	FPSTORE 0x3EAAAAAB, "1/3 rounds up to 0x3EAAAAAB"
	fild dword [int16]
	fsqrt
	fistp dword [tmp]
	CHECK [tmp], 4, "FSQRT of 16"
	fld dword [f1_5]
	fld dword [f1_5]
	fmulp
	FPSTORE 0x40100000, "1.5 * 1.5 = 2.25"
	fld dword [f1_5]
	fchs
	fabs
	fild dword [int3]
	fsubrp                             ; DE E1: ST1 = ST0 - ST1
	FPSTORE 0x3FC00000, "FSUBRP (DE E1): 3 - 1.5 = 1.5"
	fld dword [f1_5]
	fild dword [int3]
	fsubp                              ; DE E9: ST1 = ST1 - ST0
	FPSTORE 0xBFC00000, "FSUBP (DE E9): 1.5 - 3 = -1.5"
	fldpi
	fstp dword [tmp]
	CHECK [tmp], 0x40490FDB, "FLDPI rounded to single"
	fild dword [int7]
	fistp word [tmp]
	movzx eax, word [tmp]
	CHECK eax, 7, "FISTP word"
	mov dword [tmp], 0
	mov dword [tmp + 4], 0
	fld dword [f1_5]
	fstp qword [tmp]
	CHECK [tmp + 4], 0x3FF80000, "1.5 as a double (high dword)"
	fld dword [f2_5]
	frndint
	fistp dword [tmp]
	CHECK [tmp], 2, "FRNDINT of 2.5 rounds to even"

	; Compares.
	fld1
	fild dword [int3]
	fcompp                             ; 3 vs 1: ST0 > ST1
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, 0, "FCOMPP 3 > 1: C3 C2 C0 = 000"
	fild dword [int3]
	fld1
	fcompp                             ; 1 < 3
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, C0, "FCOMPP 1 < 3: C0"
	fld1
	fld1
	fcompp
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, C3, "FCOMPP 1 = 1: C3"
	fninit
	fldz
	fldz
	fdivp                              ; 0/0: masked invalid -> QNaN
	fld1
	fucompp                            ; 1 vs NaN: unordered
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, C0 | C2 | C3, "FUCOMPP with a NaN: unordered"
	fnstsw ax
	and eax, 1
	CHECK eax, 1, "0/0 set IE (masked)"
	fninit
	fld1
	fldz
	fdivp                              ; 1/0
	fnstsw ax
	and eax, 4
	CHECK eax, 4, "1/0 sets ZE (masked)"
	FPSTORE 0x7F800000, "1/0 = +infinity when masked"
	fld1
	fild dword [int3]
	fcomip st0, st1                    ; 3 vs 1
	pushfd
	pop eax
	and eax, 0x45
	CHECK eax, 0, "FCOMIP 3 > 1: ZF PF CF clear"
	fild dword [int3]
	fcomip st0, st1
	fstp st0
	fld1
	fild dword [int3]
	fxch
	fcomi st0, st1                     ; 1 vs 3
	fcmovb st0, st1                    ; CF=1: ST0 <- ST1 (3)
	pushfd
	pop eax
	and eax, 0x45
	CHECK eax, 1, "FCOMI 1 < 3: CF"
	fistp dword [tmp]
	CHECK [tmp], 3, "FCMOVB moves when CF=1"
	fstp st0

	; FSAVE / FRSTOR: the image holds the registers; FSAVE reinitialises.
	fninit
	fild dword [int7]
	fild dword [int3]
	fsave [save]
	movzx eax, word [save]
	CHECK eax, 0x037F, "FSAVE image: control word"
	movzx eax, word [save + 4]
	and eax, 0x3800
	CHECK eax, 6 << 11, "FSAVE image: TOP = 6"
	movzx eax, word [save + 8]
	CHECK eax, 0x0FFF, "FSAVE image: tags of R6 and R7 valid, the rest empty"
	fnstenv [env]
	movzx eax, word [env + 8]
	CHECK eax, 0xFFFF, "after FSAVE the FPU is reinitialised"
	frstor [save]
	fistp dword [tmp]
	CHECK [tmp], 3, "FRSTOR: ST0 back"
	fistp dword [tmp]
	CHECK [tmp], 7, "FRSTOR: ST1 back"

	; Stack overflow: a ninth push with IE masked sets IE and SF, C1=1.
	fninit
	mov ecx, 9
.push:	fld1
	loop .push
	fnstsw ax
	and eax, 0x241
	CHECK eax, 0x241, "stack overflow: IE, SF and C1"

	; Unmasked invalid operation: #MF at the next waiting instruction
	; (CR0.NE=1), with the FPU instruction pointer at the faulting one.
	fninit
	fnstcw [tmp]
	and word [tmp], ~1                 ; unmask IM
	fldcw [tmp]
	fld1
	fchs
.bad:	fsqrt                              ; sqrt(-1)
	TRY
.wait:	fwait
	ENDTRY
	EXPECT_EXC 16, NO_ERROR, "#MF for sqrt(-1) with IM clear"
	CHECK [exc_eip], .wait, "#MF pushes the EIP of the waiting instruction"
	fnstenv [env]
	CHECK [env + 12], .bad, "FPU instruction pointer is the FSQRT"
	movzx eax, word [env + 4]
	and eax, 0x81
	CHECK eax, 0x81, "status: IE and ES set"
	fnclex
	TRY
	fld1
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "FNCLEX clears the pending exception"
	fninit

	; #NM: TS with MP for WAIT; TS for any x87 instruction.
	mov eax, cr0
	or eax, 8
	mov cr0, eax
	TRY
	fwait
	ENDTRY
	EXPECT_EXC 7, NO_ERROR, "#NM for FWAIT with TS=1 and MP=1"
	mov eax, cr0
	and eax, ~2
	mov cr0, eax
	TRY
	fwait
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "no #NM for FWAIT with TS=1 and MP=0"
	TRY
	fnop
	ENDTRY
	EXPECT_EXC 7, NO_ERROR, "#NM for FNOP with TS=1"
	clts

	; FXSAVE / FXRSTOR (CPUID.FXSR): the 512-byte image with the abridged
	; tag byte (SDM vol. 2, FXSAVE, table 3-53).
	fninit
	fld1
	fldz
	fxsave [fxarea]
	movzx eax, word [fxarea]
	CHECK eax, 0x037F, "FXSAVE: FCW"
	movzx eax, word [fxarea + 2]
	and eax, 0x3800
	CHECK eax, 6 << 11, "FXSAVE: FSW.TOP = 6"
	movzx eax, byte [fxarea + 4]
	CHECK eax, 0xC0, "FXSAVE: abridged tag, R6 and R7 valid"
	CHECK [fxarea + 36], 0, "FXSAVE: ST0 = +0.0"
	CHECK [fxarea + 52], 0x80000000, "FXSAVE: ST1 = 1.0, mantissa"
	movzx eax, word [fxarea + 56]
	CHECK eax, 0x3FFF, "FXSAVE: ST1 = 1.0, exponent"
	fninit
	fxrstor [fxarea]
	fstp st0
	fistp dword [tmp]
	CHECK [tmp], 1, "FXRSTOR brings the registers back"
	TRY
	fxsave [fxarea + 8]
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for FXSAVE to a misaligned area"

	; Rounding control (FCW.RC) on FISTP (SDM vol. 1, 4.8.4).
	RC_FIST 0, f2_5, 2, "RC nearest: 2.5 -> 2"
	RC_FIST 1, fm2_5, -3, "RC down: -2.5 -> -3"
	RC_FIST 2, f2_5, 3, "RC up: 2.5 -> 3"
	RC_FIST 3, fm2_5, -2, "RC chop: -2.5 -> -2"
	; Precision control (FCW.PC): 1/3 rounded to 24 or 53 bits.
	PC_THIRD 0, 0x60000000, 0x3FD55555, "PC single: 1/3 has a 24-bit significand"
	PC_THIRD 2, 0x55555555, 0x3FD55555, "PC double: 1/3 has a 53-bit significand"
	fninit

	; FXAM classes (C3 C2 C1 C0).
	fldz
	fxam
	fnstsw ax
	and eax, C0 | C1 | C2 | C3
	CHECK eax, C3, "FXAM +0: zero"
	fstp st0
	fld dword [fminf]
	fxam
	fnstsw ax
	and eax, C0 | C1 | C2 | C3
	CHECK eax, C2 | C1 | C0, "FXAM -infinity: infinity, sign"
	fstp st0
	fld1
	fxam
	fnstsw ax
	and eax, C0 | C1 | C2 | C3
	CHECK eax, C2, "FXAM +1: normal"
	fstp st0
	fxam
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, C3 | C0, "FXAM of an empty register"
	fld1
	fchs
	ftst
	fnstsw ax
	and eax, C0 | C2 | C3
	CHECK eax, C0, "FTST -1: below zero"
	fstp st0

	; Transcendental and other operations with exact results.
	fldz
	fptan
	FIST_CHECK 1, "FPTAN pushes 1.0"
	FIST_CHECK 0, "FPTAN of 0 is 0"
	fild dword [int3]
	fld dword [f1_5]
	fscale
	FIST_CHECK 12, "FSCALE 1.5 * 2^3"
	fstp st0
	fild dword [int12]
	fxtract
	fstp dword [tmp]
	CHECK [tmp], 0x3FC00000, "FXTRACT significand of 12 is 1.5"
	FIST_CHECK 3, "FXTRACT exponent of 12 is 3"
	fild dword [int3]
	fild dword [int7]
	fprem
	fnstsw ax
	and eax, C2
	CHECK eax, 0, "FPREM complete: C2 clear"
	FIST_CHECK 1, "FPREM 7 mod 3"
	fstp st0
	fld1
	fild dword [int8]
	fyl2x
	FIST_CHECK 3, "FYL2X 1 * log2(8)"
	fldz
	fcos
	FIST_CHECK 1, "FCOS 0"
	fld1
	f2xm1
	FIST_CHECK 1, "F2XM1 of 1: 2^1 - 1"

	; BCD and integer stores.
	fild dword [int1234]
	fbstp [bcd]
	CHECK [bcd], 0x1234, "FBSTP 1234: packed BCD"
	CHECK [bcd + 6], 0, "FBSTP 1234: upper digits and sign"
	mov byte [bcd + 9], 0x80
	fbld [bcd]
	FIST_CHECK -1234, "FBLD of -1234"
	fninit
	fild dword [int40000]
	fistp word [tmp]
	movzx eax, word [tmp]
	CHECK eax, 0x8000, "FISTP word of 40000: integer indefinite (IE masked)"
	fnstsw ax
	and eax, 1
	CHECK eax, 1, "FISTP overflow sets IE"

	; 80-bit load and store keep every bit.
	fninit
	fld tword [ext80]
	fstp tword [tmp80]
	CHECK [tmp80], [ext80], "FLD/FSTP m80 round trip (low)"
	CHECK [tmp80 + 4], [ext80 + 4], "FLD/FSTP m80 round trip (middle)"
	movzx eax, word [tmp80 + 8]
	CHECK eax, 0x4001, "FLD/FSTP m80 round trip (exponent)"
	fincstp
	fnstsw ax
	and eax, 0x3800
	CHECK eax, 1 << 11, "FINCSTP: TOP 0 -> 1"
	ret

section .data
align 4
int3: dd 3
int7: dd 7
int16: dd 16
f1_5: dd 1.5
f2_5: dd 2.5
fm2_5: dd -2.5
fminf: dd 0xFF800000
int8: dd 8
int12: dd 12
int1234: dd 1234
int40000: dd 40000
cw: dw 0
cw_default: dw 0x037F
align 4
bcd: times 10 db 0
align 4
ext80: dq 0xC90FDAA22168C234
	dw 0x4001                          ; pi, 64-bit significand
align 4
tmp80: times 10 db 0
align 4
tmp: dq 0
env: times 28 db 0
save: times 108 db 0
align 16
fxarea: times 512 db 0
