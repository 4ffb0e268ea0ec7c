/* long ncp_clone3_run(struct clone_args* args, size_t size,
 *                     int (*fn)(void*), void* arg)
 *
 * clone3 with a child stack: the parent gets the syscall's result (child
 * pid or -errno); the child, on the new stack, calls fn(arg) and exits the
 * process with its return value. glibc has no public clone3 wrapper, and a
 * C wrapper cannot run on the child's fresh stack after the syscall. */
#if defined(__x86_64__)
	.text
	.globl	ncp_clone3_run
	.hidden	ncp_clone3_run
	.type	ncp_clone3_run, @function
	.p2align 4
ncp_clone3_run:
	.cfi_startproc
	mov	%rcx, %r8		/* rcx is clobbered by syscall */
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jz	1f
	ret				/* parent, or -errno */
1:
	.cfi_undefined rip		/* child: no caller frame */
	xor	%ebp, %ebp
	mov	%r8, %rdi
	call	*%rdx
	mov	%eax, %edi
	mov	$231, %eax		/* __NR_exit_group */
	syscall
	hlt
	.cfi_endproc
	.size	ncp_clone3_run, .-ncp_clone3_run
#endif
	.section .note.GNU-stack,"",@progbits
