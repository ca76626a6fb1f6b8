// Package gate drives a checkpoint's gate outputs from GPIO pins: the relay
// that opens the gate lock or releases the turnstile, the green, amber and
// red lamps, and a buzzer.
//
// A gate guard works outdoors on long shifts and must read the result at a
// glance and hear it without looking (docs/product.md "Who uses it"), so each
// signal has its own lamp and its own beep rhythm (DefaultBeeps; "." a
// short beep, "-" a long one, a space a pause; Opts.Beeps changes them):
//
//	signal          lamp            buzzer                      relay
//	Allow           green           .      1 short              pulse (RelayPulse)
//	Recheck         amber           ..     2 short              locked
//	Register        amber           .-     short, long          locked
//	Wait            amber           . . .  slow pulse of 3      locked
//	Deny            red             --     2 long               locked
//	Refer           red             ---    3 long               locked
//	PersuadeReturn  red             -..    long, short, short   locked
//	Sampling        amber           .--    short, long, long    locked
//	Fault           red, blinking   ...    3 short, fast        locked
//	Off (and Halt)  none            none                        locked
//
// Green lasts exactly as long as the relay pulse, even with no relay fitted:
// a green lamp over a locked gate would invite the next person to walk into
// it. Amber and red stay lit until the next signal, so the guard can see why
// the person in front of them was stopped. Fault blinks every Opts.Blink
// until the next signal; the caller uses it when the checkpoint itself
// needs the guard (a sensor fault, an entry that could not be logged).
//
// The caller maps wire decisions to signals, one signal a decision. Show returns as soon as the outputs show the signal; the
// timed part plays in the background and is cut short by the next Show or
// by Halt, so one person's open gate never carries over to the next.
//
// Amber: an amber pin is optional. Without one, amber lights green and red
// together, which reads as amber on a bicolour LED or a stack light but as
// two lamps on separate LEDs; fit an amber lamp in that case.
//
// # Datasheets
//
// BCM2835 ARM Peripherals, section 6.2 "Alternative Function Assignments",
// for the pull each pin has at power-on (GPIO0-8 up, GPIO9-27 down):
// https://datasheets.raspberrypi.com/bcm2835/bcm2835-peripherals.pdf
//
// Setting pins before Linux starts (config.txt "gpio="):
// https://www.raspberrypi.com/documentation/computers/config_txt.html#gpio-control
//
// # Wiring on a Raspberry Pi
//
// Suggested pins (BCM numbers, header pin in brackets):
//
//	relay  IN  -> GPIO17 (11)
//	green  LED -> GPIO27 (13) through 330 Ω to GND
//	red    LED -> GPIO22 (15) through 330 Ω to GND
//	amber  LED -> GPIO24 (18) through 330 Ω to GND, optional
//	buzzer     -> GPIO23 (16) through 1 kΩ to the base of an NPN transistor
//	              (S8050, 2N2222); buzzer between 5 V and the collector,
//	              emitter to GND, a 1N4148 across a magnetic buzzer
//
// A GPIO pin gives 3.3 V and should source no more than a few mA: drive the
// LEDs of a stack light or any 12/24 V lamp through the transistor or a
// relay too, and use an active buzzer (one that sounds when powered), as the
// beeps are plain on/off.
//
// Relay: wire the lock so that a released relay keeps the gate locked — an
// electric strike or bolt on the normally-open contact, a magnetic lock's
// supply through the normally-closed contact. Fire rules usually require an
// emergency release that does not depend on this unit; keep it.
//
// Many relay boards sold for Arduino are active-low ("low level trigger"):
// set Opts.ActiveLow to include Relay. Beware of the boot: until Kakou starts,
// the pins are inputs with their power-on pull, and GPIO17's pull-down
// switches an active-low board on — the gate would stand open while the Pi
// boots. Either use an active-high board on GPIO17, or add
// "gpio=17=op,dh" to config.txt so the firmware drives the pin high
// (released) from the first second. A 5 V active-low board fed from 5 V may
// also never fully release at a 3.3 V high: feed its logic side (VCC) from
// 3.3 V and the coil side (JD-VCC) from 5 V.
package gate
