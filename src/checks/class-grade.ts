// A class's grade (its shape is in core, where the UI reads it too).
export { type ClassGrade, classTitle, type StudentGrade } from '../core/class-grade.js';
